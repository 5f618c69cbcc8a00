package io.quarkiverse.llmd.runtime.tokenizer;

import java.net.URI;
import java.net.URISyntaxException;

import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;

/**
 * The render server's base URL ({@code vllm.url}), checked at load: {@code http} or {@code https}, a host, an
 * optional port and path prefix, nothing else.
 */
record RenderUrl(boolean tls, String host, int port, String basePath) {

    static RenderUrl parse(String field, String text) {
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new PluginConfigException(field, field + " is not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new PluginConfigException(field, field + " must be an http:// or https:// URL, got '" + text + "'");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new PluginConfigException(field, field + " has no host: '" + text + "'");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new PluginConfigException(field, field + " must be a base URL without user info, query or"
                    + " fragment: '" + text + "'");
        }
        boolean tls = scheme.equals("https");
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1); // an IPv6 literal
        }
        return new RenderUrl(tls, host, uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80, path);
    }

    @Override
    public String toString() {
        return (tls ? "https://" : "http://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + basePath;
    }
}
