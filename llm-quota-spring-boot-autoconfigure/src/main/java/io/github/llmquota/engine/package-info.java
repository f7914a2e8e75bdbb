/**
 * The quota engine: pools, priority classes, accounting, waiting and the store SPI that
 * holds the shared state.
 */
package io.github.llmquota.engine;
