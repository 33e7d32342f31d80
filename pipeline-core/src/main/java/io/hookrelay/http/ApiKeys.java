package io.hookrelay.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

import io.javalin.http.Context;

/**
 * Bearer-key authentication: each key belongs to one operator, and everything a request touches is
 * scoped to that operator (contract §5).
 */
public final class ApiKeys {

    private final Map<String, String> operatorByKey;

    /** @param operatorByKey key to operator id */
    public ApiKeys(Map<String, String> operatorByKey) {
        this.operatorByKey = Map.copyOf(operatorByKey);
    }

    /**
     * The operator whose key authorizes {@code ctx}.
     *
     * @throws ApiError 401 when the header is missing, malformed or holds an unknown key
     */
    public String operatorOf(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            throw new ApiError(401, ErrorCodes.UNAUTHORIZED, "Missing Authorization header; send 'Authorization: Bearer <api key>'");
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiError(401, ErrorCodes.UNAUTHORIZED, "The Authorization header must use the Bearer scheme");
        }
        byte[] presented = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        String operator = null;
        // Compare with every key in constant time, so timing tells nothing about which key is near.
        for (Map.Entry<String, String> e : operatorByKey.entrySet()) {
            if (MessageDigest.isEqual(presented, e.getKey().getBytes(StandardCharsets.UTF_8))) {
                operator = e.getValue();
            }
        }
        if (operator == null) {
            throw new ApiError(401, ErrorCodes.UNAUTHORIZED, "Unknown API key");
        }
        return operator;
    }
}
