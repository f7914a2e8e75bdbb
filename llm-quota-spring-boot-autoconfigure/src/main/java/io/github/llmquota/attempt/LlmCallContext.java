package io.github.llmquota.attempt;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

import org.springframework.lang.Nullable;

/**
 * What the provider calls made in a piece of code are governed with: their priority
 * class, the end user they are made for and how long each call may wait for admission,
 * over all its attempts. {@code @LlmRateLimited} sets it for the annotated method;
 * without the annotation, set it explicitly: <pre class="code">
 * String answer = LlmCallContext.priority("interactive").user(userId).maxWait(Duration.ofSeconds(5))
 *     .call(() -&gt; anthropic.messages().create(params));
 * </pre> A context is bound to the thread for the duration of {@link #run(Runnable)} or
 * {@link #call(Supplier)}, and restored to the one bound before afterwards; the innermost
 * context applies as a whole. Reactive code carries it in the Reactor {@code Context}
 * under the key {@code LlmCallContext.class}, which the attempt governor reads before the
 * thread: <pre class="code">
 * webClient.post()...retrieve().bodyToMono(String.class)
 *     .contextWrite(Context.of(LlmCallContext.class, LlmCallContext.priority("background").build()));
 * </pre> A call made with no context at all is governed in
 * {@code llm.quota.governor.default-priority}.
 * <p>
 * Instances are immutable and thread-safe. A priority class that is not configured is
 * refused when the first attempt asks for admission, with an exception naming it.
 */
public final class LlmCallContext {

	/**
	 * The key under which reactive code carries a context in the Reactor {@code Context}.
	 */
	public static final Class<LlmCallContext> REACTOR_CONTEXT_KEY = LlmCallContext.class;

	private static final LlmCallContext EMPTY = new LlmCallContext(null, null, null, null, null);

	private static final ThreadLocal<LlmCallContext> current = new ThreadLocal<>();

	@Nullable
	private final String priority;

	@Nullable
	private final String user;

	@Nullable
	private final Duration maxWait;

	@Nullable
	private final LeaseHandOver handOver;

	@Nullable
	private final String tenant;

	private LlmCallContext(@Nullable String priority, @Nullable String user, @Nullable Duration maxWait,
			@Nullable LeaseHandOver handOver, @Nullable String tenant) {
		this.priority = priority;
		this.user = user;
		this.maxWait = maxWait;
		this.handOver = handOver;
		this.tenant = tenant;
	}

	/**
	 * Start a context with a priority class.
	 * @param priority the class name, one of {@code llm.quota.priority-classes}, or
	 * {@code null} for the default
	 * @return a builder
	 */
	public static Builder priority(@Nullable String priority) {
		return new Builder().priority(priority);
	}

	/**
	 * Start a context for an end user.
	 * @param user the user id, used only for per-user quotas, or {@code null}
	 * @return a builder
	 */
	public static Builder user(@Nullable String user) {
		return new Builder().user(user);
	}

	/**
	 * Start a context with a wait budget.
	 * @param maxWait how long each call may wait for admission over all its attempts, or
	 * {@code null} for its class's default
	 * @return a builder
	 * @throws IllegalArgumentException if the wait is negative
	 */
	public static Builder maxWait(@Nullable Duration maxWait) {
		return new Builder().maxWait(maxWait);
	}

	/**
	 * Start an empty context.
	 * @return a builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Return the context bound to the current thread.
	 * @return the context, an empty one when none is bound
	 */
	public static LlmCallContext current() {
		LlmCallContext context = current.get();
		return (context != null) ? context : EMPTY;
	}

	/**
	 * Return the priority class.
	 * @return the class name, or {@code null} for the governor's default
	 */
	@Nullable
	public String getPriority() {
		return this.priority;
	}

	/**
	 * Return the end user.
	 * @return the user id, or {@code null}
	 */
	@Nullable
	public String getUser() {
		return this.user;
	}

	/**
	 * Return the tenant.
	 * @return the tenant id, or {@code null}
	 */
	@Nullable
	public String getTenant() {
		return this.tenant;
	}

	/**
	 * Return how long each call may wait for admission, over all its attempts.
	 * @return the wait budget, or {@code null} for the priority class's default
	 */
	@Nullable
	public Duration getMaxWait() {
		return this.maxWait;
	}

	/**
	 * Return the lease that was admitted before the call and is offered to its first
	 * attempt, as {@code @LlmRateLimited} does.
	 * @return the hand-over, or {@code null}
	 */
	@Nullable
	public LeaseHandOver getHandOver() {
		return this.handOver;
	}

	/**
	 * Return a copy of this context that offers a lease admitted before the call to its
	 * first attempt to the lease's model, so that the attempt is not admitted a second
	 * time.
	 * @param handOver the hand-over
	 * @return the new context
	 */
	public LlmCallContext withHandOver(LeaseHandOver handOver) {
		Objects.requireNonNull(handOver, "'handOver' must not be null");
		return new LlmCallContext(this.priority, this.user, this.maxWait, handOver, this.tenant);
	}

	/**
	 * Run an action with this context bound to the current thread.
	 * @param action the action
	 */
	public void run(Runnable action) {
		Objects.requireNonNull(action, "'action' must not be null");
		try (Scope scope = open()) {
			action.run();
		}
	}

	/**
	 * Call a function with this context bound to the current thread.
	 * @param <T> the type of the result
	 * @param action the function
	 * @return what the function returned
	 */
	public <T> T call(Supplier<T> action) {
		Objects.requireNonNull(action, "'action' must not be null");
		try (Scope scope = open()) {
			return action.get();
		}
	}

	/**
	 * Bind this context to the current thread until the returned scope is closed, which
	 * restores the context bound before. Close it on the same thread, in a
	 * try-with-resources block.
	 * @return the scope
	 */
	public Scope open() {
		LlmCallContext previous = current.get();
		current.set(this);
		return () -> {
			if (previous != null) {
				current.set(previous);
			}
			else {
				current.remove();
			}
		};
	}

	@Override
	public String toString() {
		return "LlmCallContext[priority=" + this.priority + ", maxWait=" + this.maxWait + ", handOver="
				+ (this.handOver != null) + "]";
	}

	/**
	 * The binding of a context to a thread, from {@link LlmCallContext#open()}.
	 */
	@FunctionalInterface
	public interface Scope extends AutoCloseable {

		/**
		 * Restore the context bound before.
		 */
		@Override
		void close();

	}

	/**
	 * Builder for {@link LlmCallContext}. Not thread-safe.
	 */
	public static final class Builder {

		private String priority;

		private String user;

		private Duration maxWait;

		private String tenant;

		private Builder() {
		}

		/**
		 * Set the priority class.
		 * @param priority the class name, or {@code null} for the default
		 * @return this builder
		 */
		public Builder priority(@Nullable String priority) {
			this.priority = priority;
			return this;
		}

		/**
		 * Set the end user, for per-user quotas.
		 * @param user the user id, or {@code null}
		 * @return this builder
		 */
		public Builder user(@Nullable String user) {
			this.user = user;
			return this;
		}

		/**
		 * Set the tenant, for fair shares between tenants inside a priority class
		 * ({@code llm.quota.tenants}).
		 * @param tenant the tenant id, or {@code null}
		 * @return this builder
		 */
		public Builder tenant(@Nullable String tenant) {
			this.tenant = tenant;
			return this;
		}

		/**
		 * Set how long each call may wait for admission, over all its attempts.
		 * @param maxWait the wait budget, zero to admit at once or reject, or
		 * {@code null} for the class's default
		 * @return this builder
		 * @throws IllegalArgumentException if the wait is negative
		 */
		public Builder maxWait(@Nullable Duration maxWait) {
			if (maxWait != null && maxWait.isNegative()) {
				throw new IllegalArgumentException("maxWait must not be negative, was " + maxWait);
			}
			this.maxWait = maxWait;
			return this;
		}

		/**
		 * Build the context.
		 * @return the context
		 */
		public LlmCallContext build() {
			return new LlmCallContext(this.priority, this.user, this.maxWait, null, this.tenant);
		}

		/**
		 * Run an action with the context bound to the current thread.
		 * @param action the action
		 * @see LlmCallContext#run(Runnable)
		 */
		public void run(Runnable action) {
			build().run(action);
		}

		/**
		 * Call a function with the context bound to the current thread.
		 * @param <T> the type of the result
		 * @param action the function
		 * @return what the function returned
		 * @see LlmCallContext#call(Supplier)
		 */
		public <T> T call(Supplier<T> action) {
			return build().call(action);
		}

	}

}
