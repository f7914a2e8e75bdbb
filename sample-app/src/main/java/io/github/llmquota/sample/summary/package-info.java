/**
 * Background summaries of chat transcripts, governed at BACKGROUND priority.
 */
package io.github.llmquota.sample.summary;
