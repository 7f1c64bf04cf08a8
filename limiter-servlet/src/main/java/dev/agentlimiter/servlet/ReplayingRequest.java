package dev.agentlimiter.servlet;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** The request with the body the engine read replayed, followed by the rest of the container's stream. */
final class ReplayingRequest extends HttpServletRequestWrapper {

  private final Replay stream;
  private @Nullable BufferedReader reader;
  private boolean streamUsed;

  ReplayingRequest(HttpServletRequest request, InputStream replay) {
    super(request);
    this.stream = new Replay(replay);
  }

  @Override
  public ServletInputStream getInputStream() {
    if (reader != null) {
      throw new IllegalStateException("getReader() has already been called for this request");
    }
    streamUsed = true;
    return stream;
  }

  @Override
  public BufferedReader getReader() {
    if (streamUsed) {
      throw new IllegalStateException("getInputStream() has already been called for this request");
    }
    BufferedReader r = reader;
    if (r == null) {
      String encoding = getCharacterEncoding();
      Charset charset;
      try {
        charset = encoding == null ? StandardCharsets.ISO_8859_1 : Charset.forName(encoding);
      } catch (IllegalArgumentException e) {
        charset = StandardCharsets.ISO_8859_1;
      }
      r = new BufferedReader(new InputStreamReader(stream, charset));
      reader = r;
    }
    return r;
  }

  /** A blocking replay stream; it is always ready, so non-blocking reads complete at once. */
  private static final class Replay extends ServletInputStream {
    private final InputStream in;
    private boolean finished;

    Replay(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      finished = b < 0;
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = in.read(buffer, offset, length);
      finished = n < 0;
      return n;
    }

    @Override
    public int available() throws IOException {
      return in.available();
    }

    @Override
    public boolean isFinished() {
      return finished;
    }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setReadListener(ReadListener listener) {
      try {
        listener.onDataAvailable();
        listener.onAllDataRead();
      } catch (IOException e) {
        listener.onError(e);
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
