package io.hookrelay.event;

import java.util.List;

/** JSON field names of events (contract §3). Wire contract: operators and subscribers use these names. */
public final class EventFields {

    public static final String EVENT_ID = "event_id";
    public static final String EVENT_TYPE = "event_type";
    public static final String OCCURRED_AT = "occurred_at";
    public static final String OPERATOR_ID = "operator_id";
    public static final String BRAND_ID = "brand_id";
    public static final String AFFILIATE_ID = "affiliate_id";
    public static final String PLAYER_REF = "player_ref";
    public static final String TRACKING = "tracking";
    public static final String IS_TEST = "is_test";

    public static final String TRANSACTION_ID = "transaction_id";
    public static final String ORIGINAL_TRANSACTION_ID = "original_transaction_id";
    public static final String RELATED_TRANSACTION_ID = "related_transaction_id";
    public static final String AMOUNT = "amount";
    public static final String CURRENCY = "currency";
    public static final String DEPOSIT_COUNT = "deposit_count";
    public static final String STATUS = "status";
    public static final String PREVIOUS_STATUS = "previous_status";
    public static final String REASON_CODE = "reason_code";
    public static final String COMMISSION_ID = "commission_id";
    public static final String MODEL = "model";
    public static final String REASON = "reason";

    /**
     * The fields every delivery carries, whatever a subscription's {@code fields} or an operator's
     * never-sent fields say: without them a subscriber cannot deduplicate, route or order.
     */
    public static final List<String> IDENTIFYING = List.of(EVENT_ID, EVENT_TYPE, OCCURRED_AT, OPERATOR_ID);

    /** The keys a {@code tracking} map may hold. */
    public static final List<String> TRACKING_KEYS =
            List.of("click_id", "btag", "sub1", "sub2", "sub3", "sub4", "sub5");

    private EventFields() {
    }
}
