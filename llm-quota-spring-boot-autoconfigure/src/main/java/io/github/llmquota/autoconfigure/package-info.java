/**
 * Auto-configuration and configuration properties for llm-quota; wiring only.
 */
package io.github.llmquota.autoconfigure;
