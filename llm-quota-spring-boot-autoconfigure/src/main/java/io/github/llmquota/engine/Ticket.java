package io.github.llmquota.engine;

/**
 * A request as the store sees it: who asks, in which class, for how much.
 *
 * @param id the ticket id, unique across the fleet; an admitted ticket's lease has the same id
 * @param worker the id of the JVM that waits for it
 * @param rank the priority class rank, 0 being the highest
 * @param cost the charge per rate dimension of the pool, in the pool's order
 * @param maxWaitMillis how long the ticket may wait; 0 means admit now or reject
 * @param model the model the call goes to
 * @param user the charge to the user's own limits, or {@code null}
 */
public record Ticket(String id, String worker, int rank, long[] cost, long maxWaitMillis, String model,
		UserCharge user) {
}
