/**
 * The admin API server: TLS-only Vert.x web routes generated from the OpenAPI 3.1 description
 * ({@code openapi.json}), their authentication (hashed bearer tokens, admin-CA client certificates) and role
 * authorisation, the failure rate limit, and the error format.
 */
package io.backplane.admin.server;
