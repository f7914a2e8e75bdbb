/**
 * Load mode: drives interactive and background traffic for a while, prints one {@code LOAD-SUMMARY} line and exits.
 */
package io.github.llmquota.sample.load;
