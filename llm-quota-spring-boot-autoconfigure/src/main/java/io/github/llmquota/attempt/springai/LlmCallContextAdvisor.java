package io.github.llmquota.attempt.springai;

import java.time.Duration;
import java.util.Map;

import reactor.core.publisher.Flux;
import reactor.util.context.Context;

import io.github.llmquota.attempt.LlmCallContext;

import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisor;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.Ordered;
import org.springframework.lang.Nullable;

/**
 * A Spring AI {@code ChatClient} advisor that governs the provider attempts of one chat
 * call in the priority class, for the end user and with the wait budget named in its
 * advisor parameters: <pre class="code">
 * chatClient.prompt(question)
 *     .advisors((advisor) -&gt; advisor.param(LlmCallContextAdvisor.PRIORITY, "INTERACTIVE")
 *         .param(LlmCallContextAdvisor.USER, userId)
 *         .param(LlmCallContextAdvisor.MAX_WAIT, "5s"))
 *     .call()
 *     .content();
 * </pre> The parameters become the {@link LlmCallContext} of the call: bound to the
 * thread on the blocking path, and written to the Reactor context of the stream on the
 * streaming path, where the attempt governor reads it. On the streaming path a context
 * bound to the subscribing thread is written there too, so that it also governs the
 * attempts Spring AI sends from other threads. A parameter that is not given keeps the
 * value of the context that surrounds the call (an {@code @LlmRateLimited} method, or an
 * explicit {@link LlmCallContext}), and a lease that such a method already holds still
 * goes to the first attempt, so that no attempt is admitted twice. With none of the
 * parameters, the call is left as it is: the surrounding context, or the governor's
 * default class.
 * <p>
 * Parameter values: {@link #PRIORITY} a class name of {@code llm.quota.priority-classes};
 * {@link #USER} any value, taken as its {@code toString()}; {@link #MAX_WAIT} a
 * {@link Duration} or a text such as {@code "5s"} or {@code "PT5S"}. A value of another
 * type, a blank one or a negative wait fails the call with an
 * {@link IllegalArgumentException} naming the parameter, before anything is sent; a
 * priority class that is not configured is refused by the governor, naming it.
 * <p>
 * Immutable and thread-safe; one instance serves every {@code ChatClient}.
 */
public class LlmCallContextAdvisor implements CallAdvisor, StreamAdvisor {

	/**
	 * The advisor parameter that names the priority class.
	 */
	public static final String PRIORITY = "llm-quota.priority";

	/**
	 * The advisor parameter that names the end user, for per-user quotas.
	 */
	public static final String USER = "llm-quota.user";

	/**
	 * The advisor parameter that names the tenant, for fair shares between tenants inside
	 * a priority class.
	 */
	public static final String TENANT = "llm-quota.tenant";

	/**
	 * The advisor parameter that sets how long the call may wait for admission, over all
	 * its attempts.
	 */
	public static final String MAX_WAIT = "llm-quota.max-wait";

	/**
	 * The default order, {@code Ordered.HIGHEST_PRECEDENCE + 500}: ahead of Spring AI's
	 * chat memory advisors ({@code HIGHEST_PRECEDENCE + 1000}) and of the advisors that
	 * applications add with the default order, so that every model call made further down
	 * the chain runs in the call's context.
	 */
	public static final int DEFAULT_ORDER = Ordered.HIGHEST_PRECEDENCE + 500;

	private final int order;

	/**
	 * Create an advisor with the {@link #DEFAULT_ORDER}.
	 */
	public LlmCallContextAdvisor() {
		this(DEFAULT_ORDER);
	}

	/**
	 * Create an advisor.
	 * @param order its order in a {@code ChatClient}'s chain; lower runs first, around
	 * the rest
	 */
	public LlmCallContextAdvisor(int order) {
		this.order = order;
	}

	@Override
	public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
		LlmCallContext context = contextFor(request.context(), LlmCallContext.current());
		if (context == null) {
			return chain.nextCall(request);
		}
		try (LlmCallContext.Scope scope = context.open()) {
			return chain.nextCall(request);
		}
	}

	@Override
	public Flux<ChatClientResponse> adviseStream(ChatClientRequest request, StreamAdvisorChain chain) {
		// Deferred, because the surrounding context is the one of the subscription that
		// sends.
		return Flux.deferContextual((view) -> {
			LlmCallContext surrounding = view.getOrDefault(LlmCallContext.REACTOR_CONTEXT_KEY,
					LlmCallContext.current());
			LlmCallContext context = contextFor(request.context(), surrounding);
			if (context == null && !view.hasKey(LlmCallContext.REACTOR_CONTEXT_KEY) && !isEmpty(surrounding)) {
				// A context bound to the subscribing thread would not reach the attempts
				// that Spring AI subscribes on other threads, as its tool-calling rounds
				// do.
				context = surrounding;
			}
			Flux<ChatClientResponse> responses = chain.nextStream(request);
			return (context != null) ? responses.contextWrite(Context.of(LlmCallContext.REACTOR_CONTEXT_KEY, context))
					: responses;
		});
	}

	private static boolean isEmpty(LlmCallContext context) {
		return context.getPriority() == null && context.getUser() == null && context.getMaxWait() == null
				&& context.getHandOver() == null && context.getTenant() == null;
	}

	/**
	 * Return the context that a call with these advisor parameters runs in.
	 * @param parameters the advisor parameters
	 * @param surrounding the context around the call
	 * @return the call's context, or {@code null} when the parameters name none of it
	 * @throws IllegalArgumentException if a parameter has a value of the wrong type, a
	 * blank value or a negative wait
	 */
	@Nullable
	static LlmCallContext contextFor(Map<String, Object> parameters, LlmCallContext surrounding) {
		String priority = text(parameters, PRIORITY);
		String user = text(parameters, USER);
		String tenant = text(parameters, TENANT);
		Duration maxWait = duration(parameters);
		if (priority == null && user == null && tenant == null && maxWait == null) {
			return null;
		}
		LlmCallContext context = LlmCallContext.builder()
			.priority((priority != null) ? priority : surrounding.getPriority())
			.user((user != null) ? user : surrounding.getUser())
			.tenant((tenant != null) ? tenant : surrounding.getTenant())
			.maxWait((maxWait != null) ? maxWait : surrounding.getMaxWait())
			.build();
		return (surrounding.getHandOver() != null) ? context.withHandOver(surrounding.getHandOver()) : context;
	}

	@Nullable
	private static String text(Map<String, Object> parameters, String name) {
		Object value = parameters.get(name);
		if (value == null) {
			return null;
		}
		if (name.equals(PRIORITY) && !(value instanceof CharSequence)) {
			throw new IllegalArgumentException("Advisor parameter '" + name
					+ "' must be the name of a priority class, was a " + value.getClass().getName());
		}
		String text = value.toString();
		if (text.isBlank()) {
			throw new IllegalArgumentException("Advisor parameter '" + name + "' must not be blank");
		}
		return text;
	}

	@Nullable
	private static Duration duration(Map<String, Object> parameters) {
		Object value = parameters.get(MAX_WAIT);
		if (value == null) {
			return null;
		}
		Duration maxWait;
		if (value instanceof Duration duration) {
			maxWait = duration;
		}
		else if (value instanceof CharSequence text) {
			try {
				maxWait = DurationStyle.detectAndParse(text.toString());
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalArgumentException("Advisor parameter '" + MAX_WAIT
						+ "' must be a duration such as '5s' or 'PT5S', was '" + text + "'", ex);
			}
		}
		else {
			throw new IllegalArgumentException("Advisor parameter '" + MAX_WAIT
					+ "' must be a java.time.Duration or a text such as '5s', was a " + value.getClass().getName());
		}
		if (maxWait.isNegative()) {
			throw new IllegalArgumentException(
					"Advisor parameter '" + MAX_WAIT + "' must not be negative, was " + maxWait);
		}
		return maxWait;
	}

	@Override
	public String getName() {
		return "llmQuotaCallContext";
	}

	@Override
	public int getOrder() {
		return this.order;
	}

}
