package io.quarkiverse.llmd.runtime.pd;

/**
 * A {@code host:port} split for a client: the host without IPv6 brackets, and the port (-1 when absent).
 *
 * @param host host name or IP, IPv6 without brackets
 * @param port the port, or -1
 */
public record HostPort(String host, int port) {

    /** Parses {@code host:port}, {@code [v6]:port}, {@code [v6]}, a bare host or a bare IPv6 address. */
    public static HostPort parse(String address) {
        String a = address.trim();
        if (a.startsWith("[")) {
            int close = a.indexOf(']');
            if (close < 0) {
                return new HostPort(a.substring(1), -1);
            }
            String host = a.substring(1, close);
            int port = close + 1 < a.length() && a.charAt(close + 1) == ':' ? port(a.substring(close + 2)) : -1;
            return new HostPort(host, port);
        }
        int first = a.indexOf(':');
        int last = a.lastIndexOf(':');
        if (first < 0) {
            return new HostPort(a, -1);
        }
        if (first != last) {
            return new HostPort(a, -1); // bare IPv6
        }
        return new HostPort(a.substring(0, last), port(a.substring(last + 1)));
    }

    private static int port(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
