package dev.bonsai.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a webhook may be sent. An endpoint's URL is absolute http(s) without credentials or a
 * fragment; before every attempt its host is resolved and every address it has must be public
 * (not loopback, private, link-local, carrier-grade NAT, multicast, reserved or for documentation),
 * unless the operator allows non-public targets. The attempt then connects to the address checked
 * here, so a name that resolves elsewhere a moment later (DNS rebinding) changes nothing.
 */
final class WebhookTargets {

    static final int MAX_URL_LENGTH = 2048;
    private static final Pattern IPV4_LITERAL = Pattern.compile("[0-9.]+");

    private WebhookTargets() {
    }

    /** An attempt may not go to this target; the message says why, for the delivery log. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** Why {@code url} cannot be an endpoint's URL, if it cannot; a host given as an address is checked at once. */
    static Optional<String> problem(String url, boolean allowPrivate) {
        if (url == null || url.isBlank()) {
            return Optional.of("The URL is required.");
        }
        if (url.length() > MAX_URL_LENGTH) {
            return Optional.of("The URL is longer than " + MAX_URL_LENGTH + " characters.");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return Optional.of("The URL is not valid: " + e.getReason() + ".");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.of("The URL must start with https:// or http://.");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            return Optional.of("The URL must name a host.");
        }
        if (uri.getRawUserInfo() != null) {
            return Optional.of("The URL must not carry a user name or password; the signature authenticates Bonsai.");
        }
        if (uri.getRawFragment() != null) {
            return Optional.of("The URL must not have a fragment (#...).");
        }
        if (allowPrivate) {
            return Optional.empty();
        }
        String host = uri.getHost();
        if (host.equalsIgnoreCase("localhost") || host.toLowerCase(Locale.ROOT).endsWith(".localhost")) {
            return Optional.of("The URL's host is this machine (loopback); webhooks go to public addresses only.");
        }
        if (host.startsWith("[") || IPV4_LITERAL.matcher(host).matches()) {
            try {
                return nonPublic(InetAddress.getByName(host)).map(kind -> "The URL's host " + host + " is a " + kind
                        + " address; webhooks go to public addresses only.");
            } catch (UnknownHostException e) {
                return Optional.of("The URL's host " + host + " is not a valid address.");
            }
        }
        return Optional.empty();
    }

    /** The address an attempt connects to: the first of the host's, once all of them are allowed. */
    static InetAddress resolve(URI uri, boolean allowPrivate) throws Refused {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(uri.getHost());
        } catch (UnknownHostException e) {
            throw new Refused("the host " + uri.getHost() + " could not be resolved");
        }
        if (!allowPrivate) {
            for (InetAddress address : addresses) {
                Optional<String> kind = nonPublic(address);
                if (kind.isPresent()) {
                    throw new Refused("the host " + uri.getHost() + " resolves to " + address.getHostAddress() + ", a "
                            + kind.get() + " address; webhooks go to public addresses only");
                }
            }
        }
        return addresses[0];
    }

    /** What kind of non-public address {@code address} is, if it is one. */
    static Optional<String> nonPublic(InetAddress address) {
        if (address.isAnyLocalAddress()) {
            return Optional.of("unspecified");
        }
        if (address.isLoopbackAddress()) {
            return Optional.of("loopback");
        }
        if (address.isLinkLocalAddress()) {
            return Optional.of("link-local");
        }
        if (address.isSiteLocalAddress()) {
            return Optional.of("private");
        }
        if (address.isMulticastAddress()) {
            return Optional.of("multicast");
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            return reservedIpv4(bytes[0] & 0xff, bytes[1] & 0xff, bytes[2] & 0xff);
        }
        if (address instanceof Inet6Address) {
            int first = bytes[0] & 0xff;
            if ((first & 0xfe) == 0xfc) {
                return Optional.of("private (unique local)");
            }
            if (first == 0x20 && (bytes[1] & 0xff) == 0x01 && (bytes[2] & 0xff) == 0x0d && (bytes[3] & 0xff) == 0xb8) {
                return Optional.of("documentation");
            }
            if (embedsIpv4(bytes)) {
                // IPv4-compatible (::a.b.c.d) or NAT64 (64:ff9b::a.b.c.d): judged by the IPv4 address inside.
                try {
                    return nonPublic(InetAddress.getByAddress(java.util.Arrays.copyOfRange(bytes, 12, 16)));
                } catch (UnknownHostException impossible) {
                    return Optional.of("reserved");
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> reservedIpv4(int a, int b, int c) {
        if (a == 0) {
            return Optional.of("reserved (0.0.0.0/8)");
        }
        if (a == 100 && b >= 64 && b <= 127) {
            return Optional.of("carrier-grade NAT");
        }
        if (a == 192 && b == 0 && (c == 0 || c == 2) || a == 198 && b == 51 && c == 100 || a == 203 && b == 0 && c == 113) {
            return Optional.of("reserved or documentation");
        }
        if (a == 198 && (b == 18 || b == 19)) {
            return Optional.of("benchmarking");
        }
        if (a >= 240) {
            return Optional.of("reserved (240.0.0.0/4)");
        }
        return Optional.empty();
    }

    private static boolean embedsIpv4(byte[] bytes) {
        boolean compatible = true;
        for (int i = 0; i < 12; i++) {
            compatible &= bytes[i] == 0;
        }
        boolean nat64 = (bytes[0] & 0xff) == 0x00 && (bytes[1] & 0xff) == 0x64 && (bytes[2] & 0xff) == 0xff
                && (bytes[3] & 0xff) == 0x9b;
        for (int i = 4; nat64 && i < 12; i++) {
            nat64 = bytes[i] == 0;
        }
        return compatible || nat64;
    }
}
