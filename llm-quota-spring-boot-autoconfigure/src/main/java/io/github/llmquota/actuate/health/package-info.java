/**
 * The {@code llmquota} health indicator.
 */
package io.github.llmquota.actuate.health;
