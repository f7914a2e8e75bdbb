package io.github.llmquota.engine;

/**
 * A request as the store sees it: who asks, in which class, for how much.
 *
 * @param id the ticket id, unique across the fleet; an admitted ticket's lease has the same id
 * @param worker the id of the JVM that waits for it
 * @param rank the priority class rank, 0 being the highest
 * @param cost the charge per rate dimension of the pool, in the pool's order
 * @param maxWaitMillis how long the ticket may wait; 0 means admit now or reject
 */
public record Ticket(String id, String worker, int rank, long[] cost, long maxWaitMillis) {
}
