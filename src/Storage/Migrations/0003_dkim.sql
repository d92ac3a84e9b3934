-- One DKIM signing key per hosted domain (RFC 6376), created with the domain. The public half is
-- published by the operator as TXT <selector>._domainkey.<domain> (GET /v1/admin/domains/{name}/dns).

CREATE TABLE dkim_keys (
    domain_id         bigint PRIMARY KEY REFERENCES domains (id) ON DELETE CASCADE,
    selector          text NOT NULL,
    private_key_pem   text NOT NULL,             -- PKCS#8 PEM, RSA-2048
    public_key_base64 text NOT NULL,             -- SubjectPublicKeyInfo DER, base64: the p= tag
    created_at        timestamptz NOT NULL DEFAULT now()
);
