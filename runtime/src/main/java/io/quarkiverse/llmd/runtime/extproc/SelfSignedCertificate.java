package io.quarkiverse.llmd.runtime.extproc;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;

/**
 * A self-signed X.509 server certificate for the ext_proc server, made with the JDK alone (no BouncyCastle): an
 * ECDSA P-256 key, subject {@code CN=quarkus-llmd-epp, O=Inference Ext}, SAN {@code localhost} and
 * {@code 127.0.0.1}, extended key usage serverAuth, valid from one hour ago for ten years (as llm-d's generated
 * certificate). Envoy does not verify the picker's certificate unless told to, so this only encrypts.
 * <p>
 * The same encoder makes a small certificate authority and client certificates signed by it, for trying mutual TLS
 * ({@code quarkus.llmd.ext-proc.client-ca-path}) without a PKI at hand.
 */
public final class SelfSignedCertificate {

    private static final int[] OID_ECDSA_SHA256 = { 1, 2, 840, 10045, 4, 3, 2 };
    private static final int[] OID_CN = { 2, 5, 4, 3 };
    private static final int[] OID_O = { 2, 5, 4, 10 };
    private static final int[] OID_SAN = { 2, 5, 29, 17 };
    private static final int[] OID_EKU = { 2, 5, 29, 37 };
    private static final int[] OID_SERVER_AUTH = { 1, 3, 6, 1, 5, 5, 7, 3, 1 };
    private static final int[] OID_CLIENT_AUTH = { 1, 3, 6, 1, 5, 5, 7, 3, 2 };
    private static final int[] OID_BASIC_CONSTRAINTS = { 2, 5, 29, 19 };
    private static final int[] OID_KEY_USAGE = { 2, 5, 29, 15 };

    private final X509Certificate certificate;
    private final KeyPair keyPair;

    private SelfSignedCertificate(X509Certificate certificate, KeyPair keyPair) {
        this.certificate = certificate;
        this.keyPair = keyPair;
    }

    /** Generates a new key pair and certificate. */
    public static SelfSignedCertificate generate() {
        return create(name("quarkus-llmd-epp", "Inference Ext"), null, extensions(
                seq(oid(OID_SAN), tlv(0x04, seq(tlv(0x82, "localhost".getBytes(StandardCharsets.US_ASCII)),
                        tlv(0x87, new byte[] { 127, 0, 0, 1 })))),
                seq(oid(OID_EKU), tlv(0x04, seq(oid(OID_SERVER_AUTH))))));
    }

    /**
     * Generates a self-signed certificate authority ({@code CN=commonName}, basic constraints CA) that can
     * {@link #issueClient issue} client certificates: what {@code quarkus.llmd.ext-proc.client-ca-path} trusts.
     */
    public static SelfSignedCertificate authority(String commonName) {
        return create(name(commonName, "Inference Ext"), null, extensions(
                seq(oid(OID_BASIC_CONSTRAINTS), tlv(0x01, new byte[] { (byte) 0xFF }),
                        tlv(0x04, seq(tlv(0x01, new byte[] { (byte) 0xFF })))),
                // keyCertSign and cRLSign
                seq(oid(OID_KEY_USAGE), tlv(0x01, new byte[] { (byte) 0xFF }),
                        tlv(0x04, tlv(0x03, new byte[] { 0x01, 0x06 })))));
    }

    /** A new key pair and a client certificate ({@code CN=commonName}, extended key usage clientAuth) signed by this one. */
    public SelfSignedCertificate issueClient(String commonName) {
        return create(name(commonName, "Inference Ext"), this, extensions(
                seq(oid(OID_EKU), tlv(0x04, seq(oid(OID_CLIENT_AUTH))))));
    }

    private static byte[] extensions(byte[]... extensions) {
        return tlv(0xA3, seq(extensions));
    }

    /**
     * @param subject the DER name of the new certificate
     * @param issuer the certificate authority that signs it, or null for a self-signed one
     */
    private static SelfSignedCertificate create(byte[] subject, SelfSignedCertificate issuer, byte[] extensions) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair keyPair = generator.generateKeyPair();
            Instant now = Instant.now();
            byte[] serial = new byte[16];
            new SecureRandom().nextBytes(serial);
            serial[0] &= 0x7F;
            byte[] issuerName = issuer == null ? subject : issuer.certificate.getSubjectX500Principal().getEncoded();
            KeyPair signing = issuer == null ? keyPair : issuer.keyPair;
            byte[] algorithm = seq(oid(OID_ECDSA_SHA256));
            byte[] validity = seq(time(now.minus(Duration.ofHours(1))), time(now.plus(Duration.ofDays(3650))));
            byte[] tbs = seq(tlv(0xA0, integer(BigInteger.TWO)), integer(new BigInteger(serial)), algorithm,
                    issuerName, validity, subject, keyPair.getPublic().getEncoded(), extensions);
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(signing.getPrivate());
            signer.update(tbs);
            byte[] signature = signer.sign();
            byte[] der = seq(tbs, algorithm, bitString(signature));
            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            certificate.verify(signing.getPublic());
            return new SelfSignedCertificate(certificate, keyPair);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a certificate", e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public KeyPair keyPair() {
        return keyPair;
    }

    /** The certificate as PEM. */
    public String certificatePem() {
        try {
            return pem("CERTIFICATE", certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The private key as PKCS#8 PEM. */
    public String privateKeyPem() {
        return pem("PRIVATE KEY", keyPair.getPrivate().getEncoded());
    }

    /**
     * Writes {@code tls.crt} and {@code tls.key} (owner-only permissions where the file system supports them) into a
     * new temporary directory deleted when the JVM exits.
     *
     * @return the directory
     */
    public Path writeToTempDirectory() throws IOException {
        Path dir = Files.createTempDirectory("quarkus-llmd-extproc-tls");
        Path crt = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Files.writeString(crt, certificatePem(), StandardCharsets.US_ASCII);
        Files.writeString(key, privateKeyPem(), StandardCharsets.US_ASCII);
        try {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        dir.toFile().deleteOnExit();
        crt.toFile().deleteOnExit();
        key.toFile().deleteOnExit();
        return dir;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] { '\n' }).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    // ------------------------------------------------------------------ minimal DER encoding

    private static byte[] name(String commonName, String organization) {
        return seq(
                set(seq(oid(OID_O), tlv(0x0C, organization.getBytes(StandardCharsets.UTF_8)))),
                set(seq(oid(OID_CN), tlv(0x0C, commonName.getBytes(StandardCharsets.UTF_8)))));
    }

    private static byte[] time(Instant instant) {
        ZonedDateTime t = instant.atZone(ZoneOffset.UTC);
        if (t.getYear() >= 1950 && t.getYear() < 2050) {
            return tlv(0x17, DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").format(t)
                    .getBytes(StandardCharsets.US_ASCII));
        }
        return tlv(0x18, DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").format(t)
                .getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] integer(BigInteger value) {
        return tlv(0x02, value.toByteArray());
    }

    private static byte[] bitString(byte[] content) {
        byte[] b = new byte[content.length + 1];
        System.arraycopy(content, 0, b, 1, content.length);
        return tlv(0x03, b);
    }

    private static byte[] oid(int[] components) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(40 * components[0] + components[1]);
        for (int i = 2; i < components.length; i++) {
            int v = components[i];
            int shift = 28;
            while (shift > 0 && (v >>> shift) == 0) {
                shift -= 7;
            }
            for (; shift > 0; shift -= 7) {
                out.write(0x80 | ((v >>> shift) & 0x7F));
            }
            out.write(v & 0x7F);
        }
        return tlv(0x06, out.toByteArray());
    }

    private static byte[] seq(byte[]... parts) {
        return tlv(0x30, concat(parts));
    }

    private static byte[] set(byte[]... parts) {
        return tlv(0x31, concat(parts));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >>> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >>> 16);
            out.write(n >>> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }
}
