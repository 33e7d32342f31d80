package io.hookrelay.dispatcher.status.query;

import java.time.Duration;

import io.hookrelay.http.ServiceRelay;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Asks the dispatcher instance that holds a partition for its part of an answer, over its HTTP port
 * ({@code /internal/status/...}), through the services' one {@link ServiceRelay}: the caller's key
 * goes along, so the owner checks it and the operator's scope itself.
 */
public final class StatusForwarder {

    /** One instance asking another waits this long; past it the caller gets a retriable 503. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final ServiceRelay relay = new ServiceRelay(TIMEOUT);

    ServiceRelay.Answer get(HostInfo owner, String pathAndQuery, String authorization) {
        return send(owner, "GET", pathAndQuery, null, authorization);
    }

    public ServiceRelay.Answer post(HostInfo owner, String path, byte[] json, String authorization) {
        return send(owner, "POST", path, json, authorization);
    }

    private ServiceRelay.Answer send(HostInfo owner, String method, String pathAndQuery, byte[] json, String authorization) {
        try {
            return relay.send(ServiceRelay.base(owner.host(), owner.port()), method, pathAndQuery, json,
                    json == null ? null : "application/json", authorization);
        } catch (ServiceRelay.Unreachable e) {
            throw new StatusUnavailable("The dispatcher instance at " + owner.host() + ":" + owner.port()
                    + " that holds this part of the delivery status " + e.getMessage(), e);
        }
    }
}
