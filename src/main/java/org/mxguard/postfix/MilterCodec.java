package org.mxguard.postfix;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Milter frames to {@link MilterEvent}s and {@link MilterReply}s and back, both directions, with no
 * I/O: the milter decodes events and encodes replies; tests play the MTA with the other two. The
 * forms are those of libmilter's {@code mfdef.h} as Postfix's {@code milter8.c} sends and reads
 * them: 4-octet integers in network order, strings NUL-terminated.
 *
 * <p>Decoding is strict: data that is short, lacks a NUL terminator, or has octets left over is a
 * {@link MilterProtocolException}, as is an unknown command. An MTA and a milter that disagree on
 * the form of one packet cannot be trusted to agree on the next.
 */
public final class MilterCodec {
    // MTA to milter
    static final byte ABORT = 'A';
    static final byte BODY = 'B';
    static final byte CONNECT = 'C';
    static final byte MACRO = 'D';
    static final byte END_OF_MESSAGE = 'E';
    static final byte HELO = 'H';
    static final byte QUIT_NEW_CONNECTION = 'K';
    static final byte HEADER = 'L';
    static final byte MAIL = 'M';
    static final byte END_OF_HEADERS = 'N';
    static final byte NEGOTIATE = 'O';
    static final byte QUIT = 'Q';
    static final byte RECIPIENT = 'R';
    static final byte DATA = 'T';
    static final byte UNKNOWN = 'U';
    // milter to MTA
    static final byte ACCEPT = 'a';
    static final byte CONTINUE = 'c';
    static final byte ADD_HEADER = 'h';
    static final byte INSERT_HEADER = 'i';
    static final byte CHANGE_HEADER = 'm';
    static final byte REJECT = 'r';
    static final byte TEMPFAIL = 't';
    static final byte REPLY_CODE = 'y';

    private MilterCodec() {
    }

    /** An event from the MTA. */
    public static MilterEvent event(MilterFrame frame) throws MilterProtocolException {
        Data d = new Data(frame);
        MilterEvent event = switch (frame.command()) {
            case NEGOTIATE -> new MilterEvent.Negotiate(d.int32(), d.int32(), d.int32());
            case MACRO -> new MilterEvent.Macros((char) d.octet(), d.pairs());
            case CONNECT -> connect(d);
            case HELO -> new MilterEvent.Helo(d.string());
            case MAIL -> new MilterEvent.Mail(d.strings());
            case RECIPIENT -> new MilterEvent.Recipient(d.strings());
            case HEADER -> new MilterEvent.Header(d.string(), d.string());
            case END_OF_HEADERS -> new MilterEvent.EndOfHeaders();
            case BODY -> new MilterEvent.Body(d.skipRest());
            // libmilter lets the last body piece ride on this packet; it is not needed here
            case END_OF_MESSAGE -> {
                d.skipRest();
                yield new MilterEvent.EndOfMessage();
            }
            case ABORT -> new MilterEvent.Abort();
            case QUIT -> new MilterEvent.Quit();
            case QUIT_NEW_CONNECTION -> new MilterEvent.QuitNewConnection();
            case DATA -> new MilterEvent.Data();
            case UNKNOWN -> new MilterEvent.Unknown(d.string());
            default -> throw new MilterProtocolException("unknown command " + describe(frame.command()));
        };
        d.end();
        return event;
    }

    private static MilterEvent.Connect connect(Data d) throws MilterProtocolException {
        String hostname = d.string();
        byte code = d.octet();
        MilterEvent.Family family = switch (code) {
            case '4' -> MilterEvent.Family.INET;
            case '6' -> MilterEvent.Family.INET6;
            case 'L' -> MilterEvent.Family.UNIX;
            case 'U' -> MilterEvent.Family.UNKNOWN;
            default -> throw new MilterProtocolException("unknown address family " + describe(code) + " in connect");
        };
        if (family == MilterEvent.Family.UNKNOWN) {
            return new MilterEvent.Connect(hostname, family, 0, "");
        }
        int port = d.int16();
        return new MilterEvent.Connect(hostname, family, port, d.string());
    }

    /** A reply from a milter (the MTA's side, for tests). */
    public static MilterReply reply(MilterFrame frame) throws MilterProtocolException {
        Data d = new Data(frame);
        MilterReply reply = switch (frame.command()) {
            case NEGOTIATE -> new MilterReply.Negotiate(d.int32(), d.int32(), d.int32());
            case CONTINUE -> new MilterReply.Continue();
            case ACCEPT -> new MilterReply.Accept();
            case REJECT -> new MilterReply.Reject();
            case TEMPFAIL -> new MilterReply.Tempfail();
            case REPLY_CODE -> replyCode(d.string());
            case ADD_HEADER -> new MilterReply.AddHeader(d.string(), d.string());
            case INSERT_HEADER -> new MilterReply.InsertHeader(d.int32(), d.string(), d.string());
            case CHANGE_HEADER -> new MilterReply.ChangeHeader(d.int32(), d.string(), d.string());
            default -> throw new MilterProtocolException("unknown reply " + describe(frame.command()));
        };
        d.end();
        return reply;
    }

    private static MilterReply.ReplyCode replyCode(String text) throws MilterProtocolException {
        try {
            return new MilterReply.ReplyCode(text);
        } catch (IllegalArgumentException e) {
            throw new MilterProtocolException(e.getMessage());
        }
    }

    /** A reply as a frame. */
    public static MilterFrame frame(MilterReply reply) {
        Out o = new Out();
        byte command = switch (reply) {
            case MilterReply.Negotiate n -> {
                o.int32(n.version()).int32(n.actions()).int32(n.protocol());
                yield NEGOTIATE;
            }
            case MilterReply.Continue c -> CONTINUE;
            case MilterReply.Accept a -> ACCEPT;
            case MilterReply.Reject r -> REJECT;
            case MilterReply.Tempfail t -> TEMPFAIL;
            case MilterReply.ReplyCode y -> {
                o.string(y.reply());
                yield REPLY_CODE;
            }
            case MilterReply.AddHeader h -> {
                o.string(h.name()).string(h.value());
                yield ADD_HEADER;
            }
            case MilterReply.InsertHeader i -> {
                o.int32(i.index()).string(i.name()).string(i.value());
                yield INSERT_HEADER;
            }
            case MilterReply.ChangeHeader m -> {
                o.int32(m.index()).string(m.name()).string(m.value());
                yield CHANGE_HEADER;
            }
        };
        return new MilterFrame(command, o.bytes());
    }

    /** An event as a frame (the MTA's side, for tests). */
    public static MilterFrame frame(MilterEvent event) {
        Out o = new Out();
        byte command = switch (event) {
            case MilterEvent.Negotiate n -> {
                o.int32(n.version()).int32(n.actions()).int32(n.protocol());
                yield NEGOTIATE;
            }
            case MilterEvent.Macros m -> {
                o.octet((byte) m.stage());
                m.macros().forEach((name, value) -> o.string(name).string(value));
                yield MACRO;
            }
            case MilterEvent.Connect c -> {
                o.string(c.hostname()).octet((byte) c.family().code());
                if (c.family() != MilterEvent.Family.UNKNOWN) {
                    o.int16(c.port()).string(c.address());
                }
                yield CONNECT;
            }
            case MilterEvent.Helo h -> {
                o.string(h.name());
                yield HELO;
            }
            case MilterEvent.Mail m -> {
                m.arguments().forEach(o::string);
                yield MAIL;
            }
            case MilterEvent.Recipient r -> {
                r.arguments().forEach(o::string);
                yield RECIPIENT;
            }
            case MilterEvent.Header h -> {
                o.string(h.name()).string(h.value());
                yield HEADER;
            }
            case MilterEvent.EndOfHeaders e -> END_OF_HEADERS;
            case MilterEvent.Body b -> {
                o.zeros(b.octets());
                yield BODY;
            }
            case MilterEvent.EndOfMessage e -> END_OF_MESSAGE;
            case MilterEvent.Abort a -> ABORT;
            case MilterEvent.Quit q -> QUIT;
            case MilterEvent.QuitNewConnection k -> QUIT_NEW_CONNECTION;
            case MilterEvent.Data t -> DATA;
            case MilterEvent.Unknown u -> {
                o.string(u.command());
                yield UNKNOWN;
            }
        };
        return new MilterFrame(command, o.bytes());
    }

    /** A command code for a message: {@code 'O'}, or its number when it is not printable. */
    static String describe(byte code) {
        return code > 0x20 && code < 0x7f ? "'" + (char) code + "'" : String.format("0x%02x", code & 0xff);
    }

    /** Reads a frame's data front to back. */
    private static final class Data {
        private final byte command;
        private final ByteBuffer in;

        Data(MilterFrame frame) {
            this.command = frame.command();
            this.in = ByteBuffer.wrap(frame.data());
        }

        byte octet() throws MilterProtocolException {
            need(1, "an octet");
            return in.get();
        }

        int int16() throws MilterProtocolException {
            need(2, "a 2-octet number");
            return in.getShort() & 0xffff;
        }

        int int32() throws MilterProtocolException {
            need(4, "a 4-octet number");
            return in.getInt();
        }

        String string() throws MilterProtocolException {
            int start = in.position();
            for (int i = start; i < in.limit(); i++) {
                if (in.get(i) == 0) {
                    String s = new String(in.array(), start, i - start, StandardCharsets.UTF_8);
                    in.position(i + 1);
                    return s;
                }
            }
            throw problem(in.remaining() == 0 ? "data ends where a string should start"
                    : "a string without its NUL terminator");
        }

        /** One or more strings, up to the end. */
        List<String> strings() throws MilterProtocolException {
            List<String> all = new ArrayList<>();
            do {
                all.add(string());
            } while (in.hasRemaining());
            return all;
        }

        /** Name and value strings, up to the end. */
        Map<String, String> pairs() throws MilterProtocolException {
            Map<String, String> all = new LinkedHashMap<>();
            while (in.hasRemaining()) {
                String name = string();
                if (!in.hasRemaining()) {
                    throw problem("macro " + name + " without a value");
                }
                all.put(name, string());
            }
            return all;
        }

        int skipRest() {
            int n = in.remaining();
            in.position(in.limit());
            return n;
        }

        void end() throws MilterProtocolException {
            if (in.hasRemaining()) {
                throw problem(in.remaining() + " octets left over");
            }
        }

        private void need(int n, String what) throws MilterProtocolException {
            if (in.remaining() < n) {
                throw problem("data ends where " + what + " should be");
            }
        }

        private MilterProtocolException problem(String what) {
            return new MilterProtocolException("malformed " + describe(command) + " packet: " + what);
        }
    }

    /** Writes a frame's data. */
    private static final class Out {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);

        Out octet(byte b) {
            out.write(b);
            return this;
        }

        Out int16(int v) {
            out.write(v >>> 8);
            out.write(v);
            return this;
        }

        Out int32(int v) {
            return int16(v >>> 16).int16(v & 0xffff);
        }

        Out string(String s) {
            if (s.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("a milter string cannot hold a NUL");
            }
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            out.write(0);
            return this;
        }

        Out zeros(int n) {
            out.writeBytes(new byte[n]);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
