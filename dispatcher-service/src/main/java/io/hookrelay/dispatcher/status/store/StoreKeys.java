package io.hookrelay.dispatcher.status.store;

/**
 * Keys of the status stores. Every key starts with the subscription id, which is also the key the
 * stores are partitioned by, so one subscription's entries sit together and range scans stay inside
 * it. Parts are separated by U+0000, which no id contains; times are zero-padded decimal epoch ms,
 * so the byte order of keys is time order.
 */
public final class StoreKeys {

    private static final char SEP = '\u0000';
    /** Sorts after {@link #SEP}: closes a range over every webhook id of one millisecond. */
    private static final char AFTER_SEP = '\u0001';

    private StoreKeys() {
    }

    /** {@code sub␀webhook}: one delivery in the deliveries store. */
    public static String delivery(String subscriptionId, String webhookId) {
        return subscriptionId + SEP + webhookId;
    }

    /** {@code sub␀createdAt␀webhook}: one delivery in the time index. */
    static String recent(String subscriptionId, long createdAt, String webhookId) {
        return subscriptionId + SEP + time(createdAt) + SEP + webhookId;
    }

    /** Lowest index key of deliveries created at or after {@code fromMs}. */
    public static String recentFrom(String subscriptionId, long fromMs) {
        return subscriptionId + SEP + time(fromMs);
    }

    /** Highest index key of deliveries created at or before {@code toMs} (inclusive). */
    public static String recentTo(String subscriptionId, long toMs) {
        return subscriptionId + SEP + time(toMs) + AFTER_SEP;
    }

    public static String webhookIdOfRecent(String recentKey) {
        return recentKey.substring(recentKey.lastIndexOf(SEP) + 1);
    }

    private static String time(long epochMs) {
        // 19 digits hold Long.MAX_VALUE; zero-padded so keys sort by time. (Not String.format: this
        // runs for every attempt, and the formatter parses its pattern each time.)
        String digits = Long.toString(Math.max(0L, epochMs));
        return "0".repeat(19 - digits.length()) + digits;
    }
}
