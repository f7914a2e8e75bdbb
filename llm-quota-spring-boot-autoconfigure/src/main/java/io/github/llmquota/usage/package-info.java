/**
 * Capture of the token usage providers report, from the values model calls return.
 */
package io.github.llmquota.usage;
