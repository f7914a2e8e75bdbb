package io.github.llmquota.engine;

import java.time.Duration;

/**
 * One priority class. Lower {@code rank} goes first, across the whole fleet.
 *
 * @param name the class name, as used in requests and annotations
 * @param rank the position in the order, 0 being the highest class
 * @param reserve the share of every bucket, in [0, 1), that this class may not drain; it
 * keeps room for higher classes
 * @param queueCapacity the most tickets of this class that may wait in one pool
 * @param maxWait the wait budget of requests that do not set their own
 */
public record PriorityClass(String name, int rank, double reserve, int queueCapacity, Duration maxWait) {
}
