/**
 * Operating pools at runtime: operators' live changes to a pool, the events they raise,
 * and what shadow mode would have decided.
 */
package io.github.llmquota.live;
