package io.quarkiverse.llmd.engine.framework.datalayer;

import java.util.Locale;
import java.util.Optional;

/**
 * Where an endpoint listens: a host (IPv4, IPv6 or DNS name) and a port. The one parser of {@code host:port}
 * strings in the project: endpoint configuration, subset hints, the testing filter's header, P/D prefiller
 * addresses and upstream connections all go through it, so IPv6 brackets and missing ports mean the same
 * everywhere.
 *
 * @param host lower-case host, IPv6 without brackets
 * @param port 1-65535, or {@link #NO_PORT} when the text named none (a subset hint may name an IP only)
 */
public record EndpointAddress(String host, int port) {

    /** The port of an address written without one. */
    public static final int NO_PORT = -1;

    public EndpointAddress {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("address has no host");
        }
        if (port != NO_PORT && (port < 1 || port > 65535)) {
            throw new IllegalArgumentException("port " + port + " is outside 1-65535");
        }
        host = host.toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code ip:port}, {@code name:port}, {@code [ipv6]:port}, {@code [ipv6]}, a bare IPv6 address or a bare
     * host.
     *
     * @throws IllegalArgumentException naming what is wrong with the text
     */
    public static EndpointAddress parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("address is missing");
        }
        String a = text.trim();
        if (a.isEmpty()) {
            throw new IllegalArgumentException("address is empty");
        }
        if (a.charAt(0) == '[') {
            int close = a.indexOf(']');
            if (close < 2) {
                throw new IllegalArgumentException("'" + text + "' has an unclosed or empty IPv6 bracket");
            }
            String host = a.substring(1, close);
            if (host.indexOf(':') < 0) {
                throw new IllegalArgumentException("'" + text + "': only IPv6 addresses go in brackets");
            }
            checkIpv6(text, host);
            String rest = a.substring(close + 1);
            if (rest.isEmpty()) {
                return new EndpointAddress(host, NO_PORT);
            }
            if (rest.charAt(0) != ':') {
                throw new IllegalArgumentException("'" + text + "' has text after the IPv6 address");
            }
            return new EndpointAddress(host, port(text, rest.substring(1)));
        }
        int first = a.indexOf(':');
        if (first < 0) {
            return new EndpointAddress(checkHost(text, a), NO_PORT);
        }
        if (first != a.lastIndexOf(':')) {
            return new EndpointAddress(checkIpv6(text, a), NO_PORT); // a bare IPv6 address cannot carry a port
        }
        if (first == 0) {
            throw new IllegalArgumentException("'" + text + "' has no host before the port");
        }
        return new EndpointAddress(checkHost(text, a.substring(0, first)), port(text, a.substring(first + 1)));
    }

    /** Like {@link #parse} but empty instead of throwing, for untrusted input such as request headers. */
    public static Optional<EndpointAddress> tryParse(String text) {
        try {
            return Optional.of(parse(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Parses an address that must name a port, as an endpoint's does. */
    public static EndpointAddress parseWithPort(String text) {
        EndpointAddress a = parse(text);
        if (!a.hasPort()) {
            throw new IllegalArgumentException("'" + text + "' has no port; write host:port");
        }
        return a;
    }

    public boolean hasPort() {
        return port != NO_PORT;
    }

    public boolean isIpv6() {
        return host.indexOf(':') >= 0;
    }

    /** The host as it goes in a URL or before a port: IPv6 in brackets. */
    public String hostForUri() {
        return isIpv6() ? "[" + host + "]" : host;
    }

    /** Whether {@code other} has the same host and, when both name one, the same port. */
    public boolean matches(EndpointAddress other) {
        return host.equals(other.host) && (port == NO_PORT || other.port == NO_PORT || port == other.port);
    }

    /** {@code host:port} with IPv6 in brackets (the form of {@code x-gateway-destination-endpoint}). */
    @Override
    public String toString() {
        return port == NO_PORT ? hostForUri() : hostForUri() + ":" + port;
    }

    private static String checkHost(String text, String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
                    || c == '_';
            if (!ok) {
                throw new IllegalArgumentException("'" + text + "' is not a host:port address (character '" + c
                        + "' in the host)");
            }
        }
        return host;
    }

    private static String checkIpv6(String text, String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.';
            if (!ok) {
                throw new IllegalArgumentException("'" + text + "' is not a host:port address (character '" + c
                        + "' in an IPv6 address)");
            }
        }
        return host;
    }

    private static int port(String text, String digits) {
        if (digits.isEmpty() || digits.length() > 5) {
            throw new IllegalArgumentException("'" + text + "' has no valid port");
        }
        int port = 0;
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("'" + text + "' has no valid port");
            }
            port = port * 10 + (c - '0');
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("'" + text + "': port " + port + " is outside 1-65535");
        }
        return port;
    }
}
