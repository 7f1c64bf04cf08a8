package dev.agentlimiter.jaxrs;

/**
 * Which Jakarta REST implementation this test JVM has ({@code pom.xml} runs one per JVM, excluding the
 * other from the class path), for {@code @EnabledIf}: with {@code -Dtest=...} surefire runs the named
 * classes in both JVMs, and each belongs in one.
 */
final class Implementation {

  private Implementation() {}

  /** Jersey, and not RESTEasy, is on the class path. */
  static boolean jersey() {
    return present("org.glassfish.jersey.server.ResourceConfig") && !present("org.jboss.resteasy.core.ResteasyDeploymentImpl");
  }

  /** RESTEasy, and not Jersey, is on the class path. */
  static boolean restEasy() {
    return present("org.jboss.resteasy.core.ResteasyDeploymentImpl") && !present("org.glassfish.jersey.server.ResourceConfig");
  }

  private static boolean present(String className) {
    try {
      Class.forName(className, false, Implementation.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
