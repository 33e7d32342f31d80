package io.hookrelay.delivery;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.event.EventFields;

/**
 * What of an event one subscriber may see, applied by {@link WebhookSender} to each attempt's body:
 * fields an operator never sends to anyone are removed first, then the subscription's projection
 * keeps only the fields it lists ({@code tracking.click_id} keeps one key of {@code tracking}), and
 * {@code player_ref} can be replaced by a keyed hash, so that two affiliates cannot join their data
 * on it: the hash key is the subscription's own, so one player hashes differently for each.
 *
 * <p>{@code event_id}, {@code event_type}, {@code occurred_at} and {@code operator_id} are always
 * kept: without them a subscriber cannot deduplicate, route or order what it receives.
 */
public final class PayloadShaper {

    static final Set<String> ALWAYS_KEPT = Set.copyOf(EventFields.IDENTIFYING);
    /** Prefix of a hashed {@code player_ref}, so a receiver can tell it from the operator's own. */
    public static final String HASH_PREFIX = "ph_";

    private final Set<String> neverSent;
    private final List<String> fields;
    private final byte[] playerRefKey;

    /**
     * @param neverSent    the operator's fields never sent to any subscriber (top-level or dotted)
     * @param fields       the subscription's projection, or null for every field
     * @param playerRefKey the subscription's hash key for {@code player_ref}, or null to send it as it is
     */
    public PayloadShaper(Set<String> neverSent, List<String> fields, byte[] playerRefKey) {
        this.neverSent = Set.copyOf(neverSent);
        this.fields = fields == null ? null : List.copyOf(fields);
        this.playerRefKey = playerRefKey == null ? null : playerRefKey.clone();
    }

    /** The event as the subscriber may see it: {@code event} itself when nothing applies, else a changed copy. */
    public ObjectNode shape(ObjectNode event) {
        if (neverSent.isEmpty() && fields == null && playerRefKey == null) {
            // Most subscriptions: nothing to change, so no copy of the event per delivery.
            return event;
        }
        ObjectNode out = event.deepCopy();
        for (String f : neverSent) {
            if (!ALWAYS_KEPT.contains(f)) {
                remove(out, f);
            }
        }
        if (fields != null) {
            out = project(out);
        }
        if (playerRefKey != null && out.hasNonNull(EventFields.PLAYER_REF)) {
            out.put(EventFields.PLAYER_REF, hash(out.get(EventFields.PLAYER_REF).asText()));
        }
        return out;
    }

    private ObjectNode project(ObjectNode event) {
        ObjectNode out = event.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = event.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (ALWAYS_KEPT.contains(name) || fields.contains(name)) {
                out.set(name, e.getValue());
            } else if (e.getValue().isObject()) {
                ObjectNode inner = out.objectNode();
                e.getValue().fields().forEachRemaining(in -> {
                    if (fields.contains(name + "." + in.getKey())) {
                        inner.set(in.getKey(), in.getValue());
                    }
                });
                if (!inner.isEmpty()) {
                    out.set(name, inner);
                }
            }
        }
        return out;
    }

    private static void remove(ObjectNode event, String field) {
        int dot = field.indexOf('.');
        if (dot < 0) {
            event.remove(field);
        } else if (event.get(field.substring(0, dot)) instanceof ObjectNode inner) {
            inner.remove(field.substring(dot + 1));
        }
    }

    private String hash(String playerRef) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(playerRefKey, "HmacSHA256"));
            byte[] digest = mac.doFinal(playerRef.getBytes(StandardCharsets.UTF_8));
            return HASH_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
