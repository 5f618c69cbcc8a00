package io.quarkiverse.llmd.runtime.pd;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointAddress;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.engine.pool.PoolDirectory;

/**
 * Allows a prefill destination only when its host <em>and</em> port are those of an endpoint of the pool. llm-d's
 * sidecar ({@code --enable-ssrf-protection}) compares the IP only, so a client could name any port of a pool pod
 * (an admin port, another container's port) and have the sidecar post the prompt there and relay the reply; this
 * guard does not allow that. IP literals are compared as addresses, so every spelling of an IPv6 address (zeros
 * compressed or not, any case, IPv4-mapped) matches its member; host names are compared case-insensitively and
 * never resolved. The request then goes to the member's own address, not to the client's spelling of it. The
 * registry snapshot is read lock-free on every call, so pods that join or leave count at once.
 */
public final class SsrfGuard {

    private final Supplier<List<Endpoint>> members;
    private final boolean enabled;

    public SsrfGuard(EndpointRegistry registry, boolean enabled) {
        this(registry::endpoints, enabled);
    }

    /** @param members the endpoints a prefill may go to now (every pool's, in a gateway serving several) */
    public SsrfGuard(Supplier<List<Endpoint>> members, boolean enabled) {
        this.members = members;
        this.enabled = enabled;
    }

    /** Every endpoint of every pool in force at the call, for a guard in front of all of them. */
    public static Supplier<List<Endpoint>> membersOf(PoolDirectory pools) {
        return () -> {
            List<Endpoint> all = new ArrayList<>();
            for (Pool p : pools.current().all()) {
                all.addAll(p.registry().endpoints());
            }
            return all;
        };
    }

    /** Whether a {@code host:port} may receive a prefill request. */
    public boolean allowed(String hostPort) {
        return target(hostPort) != null;
    }

    /**
     * Where to send the prefill named by {@code hostPort}: the address of the pool member it names, or null when it
     * names none (refuse with 403). With the guard off, {@code hostPort} as given.
     */
    public String target(String hostPort) {
        if (!enabled) {
            return hostPort;
        }
        if (hostPort == null || hostPort.isBlank()) {
            return null;
        }
        EndpointAddress wanted = EndpointAddress.tryParse(hostPort).orElse(null);
        if (wanted == null || !wanted.hasPort()) {
            return null; // no port: llm-d's header is always host:port, and "any port" is what this guard refuses
        }
        String wantedHost = canonicalHost(wanted.host());
        if (wantedHost == null) {
            return null;
        }
        for (Endpoint e : members.get()) {
            EndpointAddress member = e.parsedAddress();
            if (member.port() == wanted.port() && wantedHost.equals(canonicalHost(member.host()))) {
                return e.address();
            }
        }
        return null;
    }

    /**
     * The comparable form of a host: an IP literal in canonical text, a name in lower case without a trailing dot;
     * null for anything else (zone ids, malformed literals, characters no host name has). Nothing is resolved.
     */
    static String canonicalHost(String host) {
        if (host.isEmpty()) {
            return null;
        }
        if (host.indexOf(':') >= 0) {
            return ipv6(host);
        }
        if (isDottedNumbers(host)) {
            return ipv4(host);
        }
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.')) {
                return null;
            }
        }
        return name.isEmpty() ? null : name.toLowerCase(Locale.ROOT);
    }

    /** An IPv6 literal (possibly with an embedded IPv4 part) in the JDK's canonical text; null if it is none. */
    private static String ipv6(String host) {
        char first = host.charAt(0);
        if (!(first == ':' || Character.digit(first, 16) >= 0)) {
            return null;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                return null; // zone ids and anything else; this also keeps getByName from ever doing a lookup
            }
        }
        try {
            // A string that starts with a hex digit or ':' and has a colon is parsed as a literal or refused by
            // getByName, never looked up.
            return InetAddress.getByName(host).getHostAddress();
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Four decimal parts of at most three digits, each 0-255, as {@code a.b.c.d}; null otherwise. */
    private static String ipv4(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        StringBuilder sb = new StringBuilder(15);
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3) {
                return null;
            }
            int v = Integer.parseInt(part);
            if (v > 255) {
                return null;
            }
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append(v);
        }
        return sb.toString();
    }

    private static boolean isDottedNumbers(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(c >= '0' && c <= '9' || c == '.')) {
                return false;
            }
        }
        return true;
    }
}
