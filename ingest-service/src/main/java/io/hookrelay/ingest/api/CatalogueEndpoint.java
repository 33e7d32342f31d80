package io.hookrelay.ingest.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.hookrelay.event.EventFamily;
import io.hookrelay.http.ApiKeys;
import io.hookrelay.http.HttpApi;
import io.hookrelay.postback.PostbackTemplate;
import io.javalin.http.Context;

/**
 * {@code GET /v1/event-types}: the contract's event types by family and the field names that
 * {@code where}, {@code fields}, value maps and postback macros may use, read from the code that
 * checks them, so the console's pickers (and a client's) cannot drift from what a create accepts.
 */
final class CatalogueEndpoint {

    private final ApiKeys keys;

    CatalogueEndpoint(ApiKeys keys) {
        this.keys = keys;
    }

    void eventTypes(Context ctx) {
        keys.operatorOf(ctx);
        List<Map<String, String>> types = new ArrayList<>();
        for (EventFamily f : EventFamily.values()) {
            for (String t : f.eventTypes()) {
                types.add(Map.of("event_type", t, "family", f.wireName()));
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", types);
        body.put("fields", PostbackTemplate.knownNames().stream().sorted().toList());
        HttpApi.json(ctx, 200, body);
    }
}
