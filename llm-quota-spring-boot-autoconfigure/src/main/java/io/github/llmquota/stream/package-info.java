/**
 * Streaming calls accounted as they flow: a {@link io.github.llmquota.stream.StreamMeter}
 * charges a stream's output to its lease in bounded steps, keeps the lease alive while
 * the stream is, and settles it from the stream's final usage, or from what was received
 * when the stream was cancelled or broke.
 */
package io.github.llmquota.stream;
