package org.mxguard.smtp;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * One XCLIENT command's attributes (Postfix, XCLIENT_README). Each is {@link Attribute.Absent}
 * when the command did not name it: the session keeps what it had, because a proxy may spread the
 * attributes over several XCLIENT commands to stay within the 512-octet line.
 *
 * @param name     the client's host name as the proxy looked it up; [TEMPUNAVAIL] allowed here only
 * @param addr     the client's address, IPv4-mapped IPv6 made IPv4
 * @param port     the client's TCP port
 * @param proto    {@code SMTP} or {@code ESMTP}, upper case
 * @param helo     the client's HELO/EHLO argument, control characters replaced by '?'
 * @param login    the SASL login name the proxy authenticated, control characters replaced by '?'
 * @param destAddr the address the client connected to
 * @param destPort the port the client connected to
 */
public record Xclient(Attribute<String> name, Attribute<InetAddress> addr, Attribute<Integer> port,
        Attribute<String> proto, Attribute<String> helo, Attribute<String> login, Attribute<InetAddress> destAddr,
        Attribute<Integer> destPort) {

    public Xclient {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(addr, "addr");
        Objects.requireNonNull(port, "port");
        Objects.requireNonNull(proto, "proto");
        Objects.requireNonNull(helo, "helo");
        Objects.requireNonNull(login, "login");
        Objects.requireNonNull(destAddr, "destAddr");
        Objects.requireNonNull(destPort, "destPort");
    }

    /** What one attribute said: nothing, that it is unavailable, or a value. */
    public sealed interface Attribute<T> permits Attribute.Absent, Attribute.Unavailable, Attribute.Given {
        /** Not in the command. */
        record Absent<T>() implements Attribute<T> {
        }

        /** {@code [UNAVAILABLE]}, or with {@code temporary} {@code [TEMPUNAVAIL]} (a lookup that may work later). */
        record Unavailable<T>(boolean temporary) implements Attribute<T> {
        }

        record Given<T>(T value) implements Attribute<T> {
            public Given {
                Objects.requireNonNull(value, "value");
            }
        }

        static <T> Attribute<T> absent() {
            return new Absent<>();
        }

        static <T> Attribute<T> unavailable() {
            return new Unavailable<>(false);
        }

        static <T> Attribute<T> tempUnavailable() {
            return new Unavailable<>(true);
        }

        static <T> Attribute<T> of(T value) {
            return new Given<>(value);
        }

        /** The value, when one was given. */
        default Optional<T> given() {
            return this instanceof Given<T> given ? Optional.of(given.value()) : Optional.empty();
        }

        /** True when the command named this attribute, with a value or as unavailable. */
        default boolean sent() {
            return !(this instanceof Absent<T>);
        }

        /**
         * What the session holds after the command: {@code current} when absent, null when
         * unavailable (the session's own "not known"), else the value.
         */
        default T applyTo(T current) {
            return switch (this) {
                case Absent<T> a -> current;
                case Unavailable<T> u -> null;
                case Given<T> g -> g.value();
            };
        }
    }
}
