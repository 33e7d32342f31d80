package io.hookrelay.subscription;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which IP addresses are not public, and which host spellings are refused because resolvers read
 * them differently. The one place of the SSRF address rule: {@link TargetPolicy} applies it to
 * subscription URLs on create and PATCH, and the sender's resolver to every address right before it
 * connects.
 *
 * <p>IPv4: everything in IANA's special-purpose registry that is not globally reachable (private,
 * loopback, link-local, CGNAT, documentation, benchmarking, multicast, reserved, broadcast).
 * IPv6: only global unicast (2000::/3) is public, minus its special blocks (2001::/23, which holds
 * Teredo, whose embedded address is the client's, obfuscated; documentation); the forms that embed
 * an IPv4 address (mapped, compatible, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by that
 * address, since that is what a connection to them reaches.
 */
final class AddressRule {

    /** A block of addresses and what it is, as a message names it. */
    private record Block(byte[] prefix, int bits, String what) {

        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            int whole = bits / 8;
            for (int i = 0; i < whole; i++) {
                if (address[i] != prefix[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[whole] & mask) == (prefix[whole] & mask);
        }
    }

    private static final List<Block> V4 = List.of(
            block("0.0.0.0/8", "a 'this network' address"),
            block("10.0.0.0/8", "a private address"),
            block("100.64.0.0/10", "a carrier-grade NAT address"),
            block("127.0.0.0/8", "a loopback address"),
            block("169.254.0.0/16", "a link-local address"),
            block("172.16.0.0/12", "a private address"),
            block("192.0.0.0/24", "an IETF protocol assignment address"),
            block("192.0.2.0/24", "a documentation address"),
            block("192.88.99.0/24", "a 6to4 relay anycast address"),
            block("192.168.0.0/16", "a private address"),
            block("198.18.0.0/15", "a benchmarking address"),
            block("198.51.100.0/24", "a documentation address"),
            block("203.0.113.0/24", "a documentation address"),
            block("224.0.0.0/4", "a multicast address"),
            block("255.255.255.255/32", "the broadcast address"),
            block("240.0.0.0/4", "a reserved address"));

    /** Inside 2000::/3, the blocks that are not public; outside it nothing is, but the embedding forms. */
    private static final List<Block> V6_GLOBAL_EXCEPTIONS = List.of(
            block("2001::/32", "a Teredo address (its embedded IPv4 address is obfuscated)"),
            block("2001:db8::/32", "a documentation address"),
            block("2001::/23", "an IETF special-purpose address"),
            block("3fff::/20", "a documentation address"));
    private static final Block V6_GLOBAL = block("2000::/3", "global unicast");
    private static final Block MAPPED = block("::ffff:0:0/96", "an IPv4-mapped address");
    private static final Block COMPATIBLE = block("::/96", "an IPv4-compatible address");
    private static final Block NAT64 = block("64:ff9b::/96", "a NAT64 address");
    private static final Block SIX_TO_FOUR = block("2002::/16", "a 6to4 address");
    private static final List<Block> V6_NAMED = List.of(
            block("::/128", "the unspecified address"),
            block("::1/128", "the loopback address"),
            block("64:ff9b:1::/48", "a local-use NAT64 address"),
            block("100::/64", "a discard-only address"),
            block("fc00::/7", "a unique local address"),
            block("fe80::/10", "a link-local address"),
            block("fec0::/10", "a site-local address"),
            block("ff00::/8", "a multicast address"));

    /** A host whose last label is a number: WHATWG URL parsers, curl and glibc read it as IPv4. */
    private static final Pattern ENDS_IN_NUMBER = Pattern.compile("(?i)(.*\\.)?(\\d+|0x[0-9a-f]*)\\.?");
    private static final Pattern CANONICAL_V4 = Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}"
            + "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");

    private AddressRule() {
    }

    /**
     * Why {@code a} is not a public address, such as {@code "a private address (10.0.0.0/8)"}, or
     * empty when it is one.
     */
    static Optional<String> notPublic(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            return v4(b);
        }
        for (Block n : V6_NAMED) {
            if (n.contains(b)) {
                return Optional.of(describe(n));
            }
        }
        for (Block embedding : List.of(MAPPED, COMPATIBLE, NAT64)) {
            if (embedding.contains(b)) {
                return embedded(embedding, b, 12);
            }
        }
        if (SIX_TO_FOUR.contains(b)) {
            return embedded(SIX_TO_FOUR, b, 2);
        }
        if (!V6_GLOBAL.contains(b)) {
            return Optional.of("a reserved IPv6 address (outside global unicast 2000::/3)");
        }
        for (Block n : V6_GLOBAL_EXCEPTIONS) {
            if (n.contains(b)) {
                return Optional.of(describe(n));
            }
        }
        return Optional.empty();
    }

    /**
     * Why {@code host} (as a URL spells it; IPv6 literals pass) is refused whatever the private-targets
     * setting, or empty.
     * A number that is not four decimal parts without leading zeros ({@code 0177.0.0.1},
     * {@code 0x7f.0.0.1}, {@code 2130706433}, {@code 127.1}) is read as different addresses by
     * different resolvers (Java reads {@code 0177.0.0.1} as 177.0.0.1, curl and glibc as 127.0.0.1),
     * so the address checked and the address connected to could differ.
     */
    static Optional<String> ambiguousHost(String host) {
        if (host == null || host.contains(":")) {
            return Optional.empty();
        }
        if (!ENDS_IN_NUMBER.matcher(host).matches() || CANONICAL_V4.matcher(host).matches()) {
            return Optional.empty();
        }
        return Optional.of("has host '" + host + "', a numeric address in a form that resolvers read differently"
                + " (octal, hexadecimal, a single integer, leading zeros, fewer than four parts or a trailing dot);"
                + " write an IPv4 address as four decimal numbers from 0 to 255 without leading zeros, such as"
                + " 93.184.215.14, or use a host name");
    }

    private static Optional<String> v4(byte[] b) {
        for (Block n : V4) {
            if (n.contains(b)) {
                return Optional.of(describe(n));
            }
        }
        return Optional.empty();
    }

    private static Optional<String> embedded(Block form, byte[] b, int offset) {
        byte[] v4 = new byte[] {b[offset], b[offset + 1], b[offset + 2], b[offset + 3]};
        return v4(v4).map(why -> form.what() + " embedding " + text(v4) + ", " + why);
    }

    private static String describe(Block n) {
        return n.what() + " (" + text(n.prefix()) + "/" + n.bits() + ")";
    }

    private static String text(byte[] address) {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of " + address.length + " bytes", e);
        }
    }

    private static Block block(String cidr, String what) {
        int slash = cidr.indexOf('/');
        try {
            // Literals only, so getByName does no lookup.
            byte[] p = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
            byte[] prefix = cidr.contains(":") && p.length == 4 ? mapped(p) : p;
            return new Block(prefix, Integer.parseInt(cidr.substring(slash + 1)), what);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("bad block " + cidr, e);
        }
    }

    /** Java turns the text ::ffff:a.b.c.d into an IPv4 address; the block needs it as 16 bytes. */
    private static byte[] mapped(byte[] v4) {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(v4, 0, b, 12, 4);
        return b;
    }
}
