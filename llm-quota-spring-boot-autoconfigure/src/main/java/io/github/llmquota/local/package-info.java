/**
 * The in-memory quota store, for a single JVM.
 */
package io.github.llmquota.local;
