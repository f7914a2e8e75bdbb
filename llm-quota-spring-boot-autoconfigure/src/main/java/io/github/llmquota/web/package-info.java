/**
 * The caller-facing quota contract: a rejected governed call that reaches a Spring MVC or
 * WebFlux controller becomes an RFC 9457 problem response with {@code Retry-After} and
 * IETF {@code RateLimit} headers.
 */
package io.github.llmquota.web;
