package dev.agentlimiter.core.internal.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.core.HttpRequestStub;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The replay stream honours the whole {@link InputStream} contract, across the read bytes and the rest. */
@Timeout(60)
class BodyReadTest {

  private static final RequestRules LIMIT_100 = RequestRules.builder().maxBodyBytes(100).build();

  /** A stream that records whether it was closed and serves {@code available()} truthfully. */
  static final class Tracked extends ByteArrayInputStream {
    boolean closed;

    Tracked(byte[] bytes) {
      super(bytes);
    }

    @Override
    public void close() throws IOException {
      closed = true;
      super.close();
    }
  }

  @Test
  void readByteArrayReturnsMinusOneAtTheEndAndZeroForNothing() throws IOException {
    byte[] body = RequestCheckTest.random(60, 1);
    InputStream replay =
        RequestCheck.readBody(LIMIT_100, HttpRequestStub.post("/").body(body).build(), 0).replay();
    byte[] into = new byte[100];
    assertThat(replay.read(into, 0, 0)).isZero();
    assertThat(replay.read(into, 5, 10)).isEqualTo(10);
    assertThat(Arrays.copyOfRange(into, 5, 15)).isEqualTo(Arrays.copyOf(body, 10));
    assertThat(replay.read()).isEqualTo(body[10] & 0xFF);
    assertThat(replay.skip(9)).isEqualTo(9);
    assertThat(replay.available()).isEqualTo(40);
    assertThat(replay.readNBytes(100)).isEqualTo(Arrays.copyOfRange(body, 20, 60));
    assertThat(replay.read(into, 0, 10)).isEqualTo(-1);
    assertThat(replay.read()).isEqualTo(-1);
    assertThat(replay.available()).isZero();
    assertThat(replay.read(into, 0, 0)).as("nothing asked, nothing read, even at the end").isZero();
  }

  @Test
  void boundsAreChecked() {
    InputStream replay =
        RequestCheck.readBody(LIMIT_100, HttpRequestStub.post("/").body("abc").build(), 0).replay();
    assertThatThrownBy(() -> replay.read(new byte[4], 3, 2)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> replay.read(new byte[4], -1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void theReplayCrossesFromReadBytesToTheRest() throws IOException {
    byte[] body = RequestCheckTest.random(1000, 2);
    Tracked original = new Tracked(body);
    RequestCheck.BodyRead r =
        RequestCheck.readBody(
            RequestRules.none(), HttpRequestStub.post("/").bodyStream(original).build(), 16);
    InputStream replay = r.replay();
    assertThat(replay).isSameAs(r.replay());
    assertThat(replay.available()).isEqualTo(1000);
    byte[] into = new byte[64];
    assertThat(replay.read(into, 0, 64))
        .as("the read bytes first, without blocking on the rest")
        .isEqualTo(16);
    assertThat(replay.read(into, 16, 48)).isEqualTo(48);
    assertThat(into).isEqualTo(Arrays.copyOf(body, 64));
    assertThat(replay.skip(100)).isEqualTo(100);
    assertThat(replay.readAllBytes()).isEqualTo(Arrays.copyOfRange(body, 164, 1000));
    assertThat(replay.read()).isEqualTo(-1);
    assertThat(original.closed).isFalse();
    replay.close();
    assertThat(original.closed).as("closing the replay closes the original").isTrue();
  }

  @Test
  void closingAWholeBodyReplayClosesTheOriginalToo() throws IOException {
    Tracked original = new Tracked(new byte[10]);
    InputStream replay =
        RequestCheck.readBody(LIMIT_100, HttpRequestStub.post("/").bodyStream(original).build(), 0).replay();
    replay.close();
    assertThat(original.closed).isTrue();
    assertThat(replay.read()).as("the read bytes are gone once closed").isEqualTo(-1);
  }

  @Test
  void anUnopenedBodyIsOpenedOnFirstUseOnly() throws IOException {
    Tracked original = new Tracked(new byte[] {1, 2, 3});
    HttpRequestStub request = HttpRequestStub.post("/").bodyStream(original).build();
    RequestCheck.BodyRead r = RequestCheck.readBody(RequestRules.none(), request, 0);
    assertThat(r.opened()).isFalse();
    assertThat(r.bytes()).isEmpty();
    assertThat(request.bodyOpens()).isZero();
    InputStream replay = r.replay();
    assertThat(replay.read(new byte[1], 0, 0)).isZero();
    assertThat(request.bodyOpens()).isZero();
    assertThat(replay.read()).isEqualTo(1);
    assertThat(replay.available()).isEqualTo(2);
    assertThat(replay.readAllBytes()).containsExactly(2, 3);
    assertThat(request.bodyOpens()).isEqualTo(1);
    replay.close();
    assertThat(original.closed).isTrue();
  }

  @Test
  void closingAnUnopenedBodyDoesNotOpenIt() throws IOException {
    HttpRequestStub request = HttpRequestStub.post("/").body("x").build();
    InputStream replay = RequestCheck.readBody(RequestRules.none(), request, 0).replay();
    replay.close();
    assertThat(request.bodyOpens()).isZero();
    assertThatThrownBy(replay::read).isInstanceOf(IOException.class);
  }
}
