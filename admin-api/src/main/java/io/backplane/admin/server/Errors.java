package io.backplane.admin.server;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.openapi.validation.ValidatorErrorType;
import io.vertx.openapi.validation.ValidatorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every error the admin API answers is {@code {"status": n, "error": "..."}} with a message naming the problem:
 * what the validator found (400; 415 for a body that is not JSON), an unknown path (404) or method (405), an
 * oversized body (413), and a failure inside the node (500, named in the log, not to the client).
 */
final class Errors {
    private static final Logger LOG = LoggerFactory.getLogger(Errors.class);

    private Errors() {
    }

    static void install(Router router) {
        router.errorHandler(400, rc -> {
            Throwable f = rc.failure();
            while (f instanceof HttpException && f.getCause() != null) {
                f = f.getCause(); // the router's wrapper around what the validator found
            }
            if (f instanceof ValidatorException v && v.type() == ValidatorErrorType.UNSUPPORTED_VALUE_FORMAT
                    && rc.request().getHeader("content-type") != null) {
                send(rc, 415, "unsupported content type '" + rc.request().getHeader("content-type") + "': the body must be application/json");
            } else {
                send(rc, 400, f == null ? "bad request" : explained(f));
            }
        });
        router.errorHandler(404, rc -> send(rc, 404, "no operation at " + rc.request().method() + " " + rc.normalizedPath() + " (see /openapi.json)"));
        router.errorHandler(405, rc -> send(rc, 405, rc.request().method() + " is not an operation of " + rc.normalizedPath()));
        router.errorHandler(413, rc -> send(rc, 413, "the body is larger than this server accepts"));
        router.errorHandler(500, rc -> {
            LOG.error("admin: {} {} failed", rc.request().method(), rc.normalizedPath(), rc.failure());
            send(rc, 500, "internal error (the node's log names it)");
        });
    }

    /** The validator's message with every distinct reason under it (they name the field and the rule it broke). */
    private static String explained(Throwable f) {
        StringBuilder out = new StringBuilder(String.valueOf(f.getMessage()));
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable t = f.getCause(); t != null && seen.add(t); t = t.getCause()) {
            if (t.getMessage() != null && out.indexOf(t.getMessage()) < 0) {
                out.append("; ").append(t.getMessage());
            }
        }
        return out.toString();
    }

    static void send(RoutingContext rc, int status, String message) {
        if (rc.response().ended()) {
            return;
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("status", status);
        doc.put("error", message == null ? "" : message);
        AdminServer.json(rc, status, doc);
    }
}
