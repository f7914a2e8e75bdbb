/**
 * The {@code llmquota} Actuator endpoint.
 */
package io.github.llmquota.actuate.endpoint;
