package io.backplane.admin.server;

import io.backplane.admin.model.Principal;
import io.backplane.admin.model.Role;
import io.vertx.core.Handler;
import io.vertx.ext.web.handler.SecurityPolicyHandler;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Authenticates and authorises every request before anything else reads it (a root handler): the operation the
 * description finds for the method and path names the roles it admits ({@code x-roles}; {@code public}: anyone).
 * A bearer token is looked up in the token file (re-read when it changes; a damaged file admits no token and says
 * so in the log); without one, a client certificate the TLS layer verified against the admin CA names the principal
 * (CN) and its roles (one OU each). No credentials or unknown ones: 401; no admitted role: 403; an address that keeps
 * failing to authenticate: 429 with {@code Retry-After} for its failures (valid credentials are still heard). A method
 * and path the description does not name is answered here (404 or 405) and never reaches the router, which would
 * forgive a trailing slash. Every refusal is logged with the address, method and path.
 */
final class Gatekeeper implements SecurityPolicyHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Gatekeeper.class);
    static final String PRINCIPAL = "backplane.principal";
    static final String OPERATION = "backplane.operation";
    static final String PUBLIC = "public";

    private final OpenAPIContract contract;
    private final Map<String, Set<String>> rolesByOperation = new HashMap<>();
    /** The same, parsed once at start (no role parsing per request). */
    private final Map<String, Set<Role>> parsedRoles = new HashMap<>();
    private final Path tokenPath;
    private final FailureLimiter limiter;
    private final RequestBudget budget;
    private volatile TokenFile tokens;
    private volatile String tokensSeen;
    private volatile long tokensCheckedAt;

    Gatekeeper(OpenAPIContract contract, Path tokenPath, FailureLimiter limiter, RequestBudget budget) {
        this.budget = budget;
        this.contract = contract;
        this.tokenPath = tokenPath;
        this.limiter = limiter;
        for (Operation op : contract.operations()) {
            Set<String> names = admitted(op);
            rolesByOperation.put(op.getOperationId(), names);
            Set<Role> roles = EnumSet.noneOf(Role.class);
            names.stream().filter(r -> !r.equals(PUBLIC)).forEach(r -> roles.add(Role.parse(r)));
            parsedRoles.put(op.getOperationId(), roles);
        }
    }

    /** The roles an operation admits, from its {@code x-roles}; an operation without them is a broken description. */
    static Set<String> admitted(Operation op) {
        Object raw = op.getOpenAPIModel().getValue("x-roles");
        if (!(raw instanceof JsonArray a) || a.isEmpty()) {
            throw new IllegalStateException("operation " + op.getOperationId() + " names no x-roles");
        }
        Set<String> out = new java.util.TreeSet<>();
        for (Object o : a) {
            String r = String.valueOf(o);
            if (!r.equals(PUBLIC)) {
                Role.parse(r); // an unknown role in the description fails the start
            }
            out.add(r);
        }
        if (out.contains(PUBLIC) && out.size() > 1) {
            throw new IllegalStateException("operation " + op.getOperationId() + " is public and names roles too");
        }
        return Set.copyOf(out);
    }

    /** A request that changes state, sent by a browser on behalf of a page of another origin. */
    static boolean crossSite(RoutingContext rc) {
        io.vertx.core.http.HttpMethod m = rc.request().method();
        if (m == io.vertx.core.http.HttpMethod.GET || m == io.vertx.core.http.HttpMethod.HEAD || m == io.vertx.core.http.HttpMethod.OPTIONS) {
            return false;
        }
        String site = rc.request().getHeader("sec-fetch-site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return true;
        }
        String origin = rc.request().getHeader("origin");
        if (origin == null) {
            return false; // not a browser's cross-origin request (curl, ctl, apply send none)
        }
        String host = rc.request().getHeader("host");
        return host == null || !(origin.equals("https://" + host));
    }

    @Override
    public void handle(RoutingContext rc) {
        if (!budget.take()) {
            // The whole admin plane's budget, every request and client together: it cannot take more from consensus.
            rc.response().putHeader("retry-after", "1");
            Errors.send(rc, 429, "the admin API answers at most " + budget.perSecond() + " requests/s; retry after 1 s");
            return;
        }
        Operation op = contract.findOperation(rc.normalizedPath(), rc.request().method());
        if (op == null) {
            // Fail closed: the router would forgive what the description does not (a trailing slash, a "/."), and run
            // a protected handler; only a described method and path reach a route.
            boolean pathKnown = contract.findPath(rc.normalizedPath()) != null;
            Errors.send(rc, pathKnown ? 405 : 404, pathKnown ? rc.request().method() + " is not an operation of " + rc.normalizedPath()
                    : "no operation at " + rc.request().method() + " " + rc.normalizedPath() + " (see /openapi.json)");
            return;
        }
        if (crossSite(rc)) {
            // A page elsewhere cannot make a browser that holds an admin client certificate change this node: browsers
            // send Origin on every cross-origin request that is not a GET, and Sec-Fetch-Site on every request.
            Errors.send(rc, 403, "a cross-site " + rc.request().method() + " is refused (Origin " + rc.request().getHeader("origin")
                    + "); changes come from the node's own dashboard or from a client that sends no Origin");
            return;
        }
        Set<String> admitted = rolesByOperation.get(op.getOperationId());
        if (admitted.contains(PUBLIC)) {
            rc.next();
            return;
        }
        String client = rc.request().remoteAddress() == null ? "?" : rc.request().remoteAddress().hostAddress();
        Optional<Principal> who;
        String problem;
        String bearer = rc.request().getHeader("authorization");
        if (bearer != null) {
            if (!bearer.regionMatches(true, 0, "Bearer ", 0, 7) || bearer.length() == 7) {
                who = Optional.empty();
                problem = "the Authorization header is not 'Bearer <token>'";
            } else {
                who = currentTokens().flatMap(t -> t.authenticate(bearer.substring(7).strip()));
                problem = "the bearer token is not one of this node's admin tokens";
            }
        } else {
            who = certificatePrincipal(rc);
            problem = "no credentials: send 'Authorization: Bearer <token>' or a client certificate of the admin CA";
        }
        if (who.isEmpty()) {
            // Only failed authentication is rate limited: valid credentials from the same address (every local
            // process shares 127.0.0.1) are still heard, so a guesser cannot lock the operator out.
            long wait = limiter.retryAfterSeconds(client);
            if (wait > 0) {
                LOG.warn("admin: {} {} from {}: 429, rate limited for {} s after repeated failed authentication", rc.request().method(),
                        rc.normalizedPath(), client, wait);
                rc.response().putHeader("retry-after", Long.toString(wait));
                Errors.send(rc, 429, "too many failed authentications from " + client + "; retry after " + wait + " s");
                return;
            }
            limiter.failed(client);
            LOG.warn("admin: {} {} from {}: 401 ({})", rc.request().method(), rc.normalizedPath(), client, problem);
            rc.response().putHeader("www-authenticate", "Bearer realm=\"backplane-admin\"");
            Errors.send(rc, 401, problem);
            return;
        }
        Principal p = who.get();
        if (!p.holdsAny(parsedRoles.get(op.getOperationId()))) {
            LOG.warn("admin: {} {} from {} as {} ({}): 403 (holds {}, needs one of {})", rc.request().method(), rc.normalizedPath(), client,
                    p.name(), p.via(), names(p.roles()), admitted);
            Errors.send(rc, 403, p.name() + " holds " + names(p.roles()) + "; " + op.getOperationId() + " needs one of " + admitted);
            return;
        }
        rc.put(PRINCIPAL, p);
        rc.put(OPERATION, op.getOperationId());
        rc.next();
    }

    /**
     * The second check, on the route the router picked: a non-public operation runs only for a request the root
     * handler admitted for that very operation.
     */
    Handler<RoutingContext> admittedFor(String operationId) {
        boolean open = rolesByOperation.get(operationId).contains(PUBLIC);
        return rc -> {
            if (open || (rc.get(PRINCIPAL) != null && operationId.equals(rc.get(OPERATION)))) {
                rc.next();
            } else {
                LOG.error("admin: {} {} reached {} without being admitted for it; refused", rc.request().method(), rc.normalizedPath(), operationId);
                Errors.send(rc, 401, "not admitted for " + operationId);
            }
        };
    }

    private static List<String> names(Set<Role> roles) {
        return roles.stream().sorted().map(Role::wireName).toList();
    }

    private Optional<TokenFile> currentTokens() {
        long now = System.nanoTime();
        if (tokens != null && now - tokensCheckedAt < 1_000_000_000L) {
            return Optional.of(tokens); // the file is looked at (stat) at most once a second
        }
        tokensCheckedAt = now;
        try {
            String seen = "none";
            if (Files.exists(tokenPath)) {
                PosixFileAttributes a = Files.readAttributes(tokenPath, PosixFileAttributes.class);
                seen = a.lastModifiedTime() + "/" + a.size() + "/" + a.fileKey() + "/" + PosixFilePermissions.toString(a.permissions());
            }
            if (tokens == null || !seen.equals(tokensSeen)) {
                synchronized (this) {
                    tokensSeen = seen;
                    tokens = null;
                    tokens = TokenFile.read(tokenPath);
                }
            }
            return Optional.ofNullable(tokens);
        } catch (IOException e) {
            LOG.error("admin: the token file admits no token until it is mended: {}", e.getMessage());
            return Optional.empty();
        }
    }

    /** The principal of a verified client certificate: CN the name, each OU one role (unknown OUs ignored, none: no principal). */
    static Optional<Principal> certificatePrincipal(RoutingContext rc) {
        if (!rc.request().isSSL()) {
            return Optional.empty();
        }
        List<Certificate> chain;
        try {
            chain = rc.request().connection().peerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
        if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
            return Optional.empty();
        }
        return fromSubject(leaf.getSubjectX500Principal().getName());
    }

    static Optional<Principal> fromSubject(String rfc2253) {
        try {
            String cn = null;
            Set<Role> roles = EnumSet.noneOf(Role.class);
            for (Rdn rdn : new LdapName(rfc2253).getRdns()) {
                String type = rdn.getType();
                String value = String.valueOf(rdn.getValue());
                if (type.equalsIgnoreCase("CN")) {
                    cn = value;
                } else if (type.equalsIgnoreCase("OU")) {
                    try {
                        roles.add(Role.parse(value));
                    } catch (IllegalArgumentException ignored) {
                        // an OU that is not a role grants nothing
                    }
                }
            }
            return cn == null || roles.isEmpty() ? Optional.empty() : Optional.of(new Principal(cn, roles, "certificate"));
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
    }
}
