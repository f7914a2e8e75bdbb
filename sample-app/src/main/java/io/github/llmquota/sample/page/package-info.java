/**
 * What the live page needs besides the llmquota endpoint: whether to show its controls.
 */
package io.github.llmquota.sample.page;
