package org.mxguard.dns;

/** The record types mxguard asks for. */
public enum RecordType {
    A(org.xbill.DNS.Type.A),
    AAAA(org.xbill.DNS.Type.AAAA),
    MX(org.xbill.DNS.Type.MX),
    PTR(org.xbill.DNS.Type.PTR),
    CNAME(org.xbill.DNS.Type.CNAME);

    private final int wireType;

    RecordType(int wireType) {
        this.wireType = wireType;
    }

    public int wireType() {
        return wireType;
    }
}
