/* Authenticode certificate table → the signer's common name (signer.h).
 *
 * The layout walked, outermost first (PKCS#7, RFC 2315; X.509, RFC 5280):
 * WIN_CERTIFICATE { u32 length; u16 revision; u16 type = 2 (PKCS) } then
 * ContentInfo SEQ { OID signedData, [0] { SignedData SEQ { version,
 * digestAlgorithms SET, contentInfo SEQ, [0] certificates { Certificate
 * SEQ { tbsCertificate SEQ { [0] version, serial, signature, issuer,
 * validity, subject ... }}}}}}. */
#include "signer.h"

#include "rt_string.h"

#define WIN_CERT_TYPE_PKCS_SIGNED_DATA 2
#define DIR_SECURITY                   4

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }

bool pe_cert_table(const uint8_t *head, size_t head_len, uint32_t *offset, uint32_t *size)
{
    if (head_len < 0x40 || head[0] != 'M' || head[1] != 'Z') return false;
    uint32_t pe = rd32(head + 0x3c);
    /* PE32+: signature (4) + COFF header (20), then the optional header,
     * whose data directories start at 112; each is 8 bytes. */
    size_t dirs = (size_t)pe + 24 + 112;
    if (pe > head_len || dirs + 8 * (DIR_SECURITY + 1) > head_len) return false;
    if (head[pe] != 'P' || head[pe + 1] != 'E' || rd16(head + pe + 24) != 0x20b) return false;
    uint32_t count = rd32(head + pe + 24 + 108);
    if (count <= DIR_SECURITY) return false;
    *offset = rd32(head + dirs + 8 * DIR_SECURITY);
    *size = rd32(head + dirs + 8 * DIR_SECURITY + 4);
    return *offset && *size;
}

/* One DER element at [*pos, end): its tag, and its contents as [*body, *body_end). */
typedef struct der {
    const uint8_t *p, *end;
} der;

static bool der_next(der *d, uint8_t *tag, der *body)
{
    if (d->end - d->p < 2) return false;
    *tag = d->p[0];
    size_t len = d->p[1];
    const uint8_t *q = d->p + 2;
    if (len & 0x80) {
        size_t bytes = len & 0x7f;
        if (bytes == 0 || bytes > 4 || (size_t)(d->end - q) < bytes) return false;
        len = 0;
        while (bytes--) len = len << 8 | *q++;
    }
    if ((size_t)(d->end - q) < len) return false;
    body->p = q;
    body->end = q + len;
    d->p = q + len;
    return true;
}

/* Descends into the next element, which must carry `tag`. */
static bool der_enter(der *d, uint8_t tag, der *body)
{
    uint8_t t;
    return der_next(d, &t, body) && t == tag;
}

static bool der_skip(der *d)
{
    uint8_t t;
    der body;
    return der_next(d, &t, &body);
}

enum { SEQ = 0x30, SET = 0x31, OID = 0x06, CTX0 = 0xa0 };

/* The commonName (OID 2.5.4.3) in a Name: SEQ of SET of SEQ { OID, value }. */
static bool name_cn(der name, char *out, size_t cap)
{
    static const uint8_t cn_oid[] = {0x55, 0x04, 0x03};
    der rdn;
    while (der_enter(&name, SET, &rdn)) {
        der atv, oid, value;
        uint8_t tag;
        while (der_enter(&rdn, SEQ, &atv)) {
            if (!der_enter(&atv, OID, &oid) || !der_next(&atv, &tag, &value)) return false;
            if (oid.end - oid.p != 3 || rt_memcmp(oid.p, cn_oid, 3)) continue;
            size_t n = (size_t)(value.end - value.p);
            if (n >= cap) n = cap - 1;
            for (size_t i = 0; i < n; i++) out[i] = value.p[i] >= 0x20 && value.p[i] != 0x7f ? (char)value.p[i] : '?';
            out[n] = 0;
            return true;
        }
    }
    return false;
}

bool pe_signer_name(const uint8_t *table, size_t len, char *out, size_t cap)
{
    if (len < 8 || !cap) return false;
    uint32_t cert_len = rd32(table);
    if (cert_len < 8 || cert_len > len || rd16(table + 6) != WIN_CERT_TYPE_PKCS_SIGNED_DATA) return false;
    der d = {table + 8, table + cert_len}, content, explicit0, signed_data, certs, cert, tbs, name;
    if (!der_enter(&d, SEQ, &content) || !der_skip(&content) || !der_enter(&content, CTX0, &explicit0) ||
        !der_enter(&explicit0, SEQ, &signed_data))
        return false;
    /* version, digestAlgorithms, contentInfo, then the certificates. */
    for (int i = 0; i < 3; i++)
        if (!der_skip(&signed_data)) return false;
    if (!der_enter(&signed_data, CTX0, &certs) || !der_enter(&certs, SEQ, &cert) || !der_enter(&cert, SEQ, &tbs))
        return false;
    if (tbs.p < tbs.end && tbs.p[0] == CTX0 && !der_skip(&tbs)) return false;
    /* serial, signature algorithm, issuer, validity; then the subject. */
    for (int i = 0; i < 4; i++)
        if (!der_skip(&tbs)) return false;
    return der_enter(&tbs, SEQ, &name) && name_cn(name, out, cap);
}
