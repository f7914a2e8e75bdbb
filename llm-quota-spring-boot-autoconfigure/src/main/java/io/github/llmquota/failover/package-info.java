/**
 * What the engine does when its shared store cannot be reached: the fail modes.
 */
package io.github.llmquota.failover;
