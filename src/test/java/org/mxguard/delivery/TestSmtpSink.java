package org.mxguard.delivery;

/**
 * {@link DeliveryTestSink} (Postfix's smtp-sink on a chosen address and port) for tests outside
 * this package, e.g. as the primary MX the backup-MX guard probes. Stopping one and starting
 * another on the same address and port is a primary going down and coming back.
 */
public final class TestSmtpSink implements AutoCloseable {
    private final DeliveryTestSink sink;

    private TestSmtpSink(DeliveryTestSink sink) {
        this.sink = sink;
    }

    /** Starts smtp-sink on {@code ip:port} and returns once it greets. */
    public static TestSmtpSink start(String ip, int port) {
        return new TestSmtpSink(DeliveryTestSink.start(ip, port));
    }

    /** A port that is free on {@code ip} right now. */
    public static int freePortOn(String ip) {
        return DeliveryTestSink.freePortOn(ip);
    }

    /** Stops it. */
    @Override
    public void close() {
        sink.close();
    }
}
