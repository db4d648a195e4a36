package org.mxguard.policy;

/** An SMTP reply with its RFC 3463 enhanced status code. */
public record Reply(int code, String enhanced, String text) {
    public static final Reply OK = new Reply(250, "2.0.0", "Ok");

    @Override
    public String toString() {
        return code + " " + enhanced + " " + text;
    }
}
