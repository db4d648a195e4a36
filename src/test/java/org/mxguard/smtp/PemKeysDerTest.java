package org.mxguard.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The small DER reader and builder under {@link PemKeys}. */
class PemKeysDerTest {
    @ParameterizedTest
    @ValueSource(strings = {"1.2.840.113549.1.1.1", "1.2.840.10045.2.1", "1.2.840.10045.3.1.7", "1.3.132.0.34",
            "1.3.101.112", "2.999.3", "0.9.2342.19200300.100.1.25"})
    void oidRoundTrip(String dotted) throws Der.DerException {
        byte[] encoded = Der.oid(dotted);
        assertThat(Der.oidText(Der.single(encoded, Der.OID, "oid").content())).isEqualTo(dotted);
    }

    @Test
    void knownOidEncodings() {
        assertThat(Der.oid("1.2.840.10045.2.1")).containsExactly(0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01);
        assertThat(Der.oid("1.2.840.113549.1.1.1"))
                .containsExactly(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 127, 128, 255, 256, 65535, 65536, 300_000})
    void lengthsRoundTrip(int length) throws Der.DerException {
        byte[] content = new byte[length];
        if (length > 0) {
            content[length - 1] = 7;
        }
        byte[] encoded = Der.sequence(Der.octetString(content));

        Der.Reader children = Der.single(encoded, Der.SEQUENCE, "seq").children();
        Der.Tlv octets = children.next(Der.OCTET_STRING, "octets");

        assertThat(octets.content()).isEqualTo(content);
        assertThat(children.hasMore()).isFalse();
        int header = octets.contentStart() - octets.start();
        assertThat(header).isEqualTo(length < 0x80 ? 2 : length <= 0xff ? 3 : length <= 0xffff ? 4 : 5);
    }

    @Test
    void smallIntegers() throws Der.DerException {
        assertThat(Der.single(Der.smallInteger(0), Der.INTEGER, "i").smallInteger()).isZero();
        assertThat(Der.single(Der.smallInteger(1), Der.INTEGER, "i").smallInteger()).isOne();
        assertThat(Der.single(new byte[] {2, 1, (byte) 0xff}, Der.INTEGER, "i").smallInteger()).isEqualTo(-1);
    }

    @Test
    void malformedInputIsRefused() {
        assertThatThrownBy(() -> Der.single(new byte[] {0x30, 0x05, 0x02, 0x01}, Der.SEQUENCE, "seq"))
                .isInstanceOf(Der.DerException.class).hasMessageContaining("runs past its end");
        assertThatThrownBy(() -> Der.single(new byte[] {0x30, (byte) 0x80, 0, 0}, Der.SEQUENCE, "seq"))
                .isInstanceOf(Der.DerException.class).hasMessageContaining("unsupported length encoding");
        assertThatThrownBy(() -> Der.single(new byte[] {0x02, 0x01, 0x00, 0x00}, Der.INTEGER, "int"))
                .isInstanceOf(Der.DerException.class).hasMessageContaining("unexpected data after int");
        assertThatThrownBy(() -> Der.single(new byte[] {0x04, 0x00}, Der.SEQUENCE, "the key"))
                .isInstanceOf(Der.DerException.class).hasMessageContaining("the key expected at offset 0");
        assertThat(Der.oidText(new byte[] {(byte) 0x86})).isEqualTo("?");
    }
}
