package io.github.llmquota.web;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.lang.Nullable;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import io.github.llmquota.core.DimensionState;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.core.PoolState;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.fallback.FallbackExhaustedException;

/**
 * Turns what llm-quota throws towards a caller into an RFC 9457 problem response, in
 * Spring MVC and in WebFlux applications alike:
 * <table>
 * <caption>Status per exception and reason</caption>
 * <tr>
 * <th>Thrown</th>
 * <th>Status</th>
 * <th>{@code Retry-After}</th>
 * <th>{@code RateLimit} fields</th>
 * </tr>
 * <tr>
 * <td>{@link QuotaRejectedException} (also {@link FallbackExhaustedException}):
 * {@code QUEUE_FULL}, {@code DEADLINE}, {@code SHED}</td>
 * <td>429</td>
 * <td>when a retry can succeed</td>
 * <td>the pool's binding dimension</td>
 * </tr>
 * <tr>
 * <td>{@code USER_LIMIT}, {@code TENANT_LIMIT}</td>
 * <td>429</td>
 * <td>yes</td>
 * <td>the binding limit of the user's or tenant's own quota, named
 * {@code <pool>/user/<dimension>} or {@code <pool>/tenant/<dimension>}
 * ({@link RateLimitFields#ofGate}), when the store reports it</td>
 * </tr>
 * <tr>
 * <td>{@code BUDGET_EXHAUSTED} (a cost budget's hard cap)</td>
 * <td>429: the budget is a quota over a window, as RFC 6585 has it, and a retry succeeds
 * once the window ends</td>
 * <td>yes: the window's end</td>
 * <td>no: the budget binds, which the pool's state does not show</td>
 * </tr>
 * <tr>
 * <td>{@code CANNOT_FIT}</td>
 * <td>413</td>
 * <td>no</td>
 * <td>no</td>
 * </tr>
 * <tr>
 * <td>{@code UNAVAILABLE}, {@code CANCELLED}, {@code PAUSED} (a priority class paused by
 * an operator)</td>
 * <td>503</td>
 * <td>when a retry can succeed</td>
 * <td>no</td>
 * </tr>
 * <tr>
 * <td>{@link NonRetryableQuotaException}: {@code QUOTA_EXHAUSTED}</td>
 * <td>503</td>
 * <td>no</td>
 * <td>no</td>
 * </tr>
 * <tr>
 * <td>{@code REQUEST_TOO_LARGE}</td>
 * <td>413</td>
 * <td>no</td>
 * <td>no</td>
 * </tr>
 * </table>
 * {@code Retry-After} is in whole seconds, rounded up and at least 1: rounding down would
 * invite a retry that is refused again. The {@code RateLimit-Policy} and
 * {@code RateLimit} fields ({@link RateLimitFields}) come from the pool's state, read
 * through {@link QuotaEngine#state(String)} and reused for up to a second across
 * responses; when it cannot be read they are left out. The body's {@code type} is
 * {@value #TYPE_PREFIX} followed by the reason in lower case with dashes (such as
 * {@code queue-full}), and it has the members {@code reason} (the enum name),
 * {@code pool}, {@code retryable}, {@code retryAfterSeconds} when retryable,
 * {@code dimension} when the fields name one, {@code chain} for a fallback chain and
 * {@code model} for a {@link NonRetryableQuotaException}.
 * <p>
 * Ordered last ({@link Ordered#LOWEST_PRECEDENCE}): an application's own
 * {@code @ExceptionHandler} for these exceptions, in its controller or in its own
 * {@code @ControllerAdvice}, comes first, since application beans are registered before
 * auto-configured ones. Subclass it and declare the subclass as a bean to change a part,
 * or set {@code llm.quota.web.problem-details.enabled=false} to turn it off. Thread-safe.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class QuotaExceptionHandler {

	/**
	 * Prefix of the problem types: a tag URI (RFC 4151), an identifier that is not meant
	 * to be dereferenced.
	 */
	public static final String TYPE_PREFIX = "tag:llmquota.github.io,2026:problem/";

	private static final Duration STATE_MAX_AGE = Duration.ofSeconds(1);

	// The rejections a pool-wide dimension explains; the others have their own cause.
	private static final Set<RejectionReason> POOL_BOUND = Set.of(RejectionReason.QUEUE_FULL, RejectionReason.DEADLINE,
			RejectionReason.SHED);

	private final RecentPoolStates states;

	/**
	 * Create a handler.
	 * @param engine the engine whose pool states give the {@code RateLimit} fields, or
	 * {@code null} to send none
	 */
	public QuotaExceptionHandler(@Nullable QuotaEngine engine) {
		this.states = (engine != null) ? new RecentPoolStates(engine, STATE_MAX_AGE) : null;
	}

	/**
	 * Answer a call the quota engine or a fallback chain did not admit.
	 * @param ex the rejection
	 * @return the problem response
	 */
	@ExceptionHandler
	public ResponseEntity<ProblemDetail> handleQuotaRejected(QuotaRejectedException ex) {
		RejectionReason reason = ex.getReason();
		HttpStatus status = statusOf(reason);
		ProblemDetail problem = problem(status, reason.name(), titleOf(reason), ex.getMessage(), ex.getPool());
		problem.setProperty("retryable", ex.isRetryable());
		ResponseEntity.BodyBuilder response = ResponseEntity.status(status);
		if (ex.getRetryAfter() != null) {
			long seconds = retryAfterSeconds(ex.getRetryAfter());
			problem.setProperty("retryAfterSeconds", seconds);
			response.header(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
		}
		if (ex instanceof FallbackExhaustedException exhausted) {
			problem.setProperty("chain", exhausted.getChain());
		}
		if (ex.getGateLimit() != null) {
			RateLimitFields fields = RateLimitFields.ofGate(ex.getPool(),
					(reason == RejectionReason.TENANT_LIMIT) ? "tenant" : "user", ex.getGateLimit());
			response.header(RateLimitFields.RATE_LIMIT_POLICY, fields.policy());
			response.header(RateLimitFields.RATE_LIMIT, fields.rateLimit());
			problem.setProperty("dimension", DimensionState.nameOf(ex.getGateLimit().dimension()));
		}
		else if (ex.isRetryable() && POOL_BOUND.contains(reason) && this.states != null) {
			Optional<PoolState> state = this.states.get(ex.getPool());
			state.flatMap(RateLimitFields::binding).ifPresent((dimension) -> {
				RateLimitFields fields = RateLimitFields.of(state.get(), dimension);
				response.header(RateLimitFields.RATE_LIMIT_POLICY, fields.policy());
				response.header(RateLimitFields.RATE_LIMIT, fields.rateLimit());
				problem.setProperty("dimension", dimension.name());
			});
		}
		return response.body(problem);
	}

	/**
	 * Answer a call that waiting cannot fix.
	 * @param ex the exception
	 * @return the problem response, without {@code Retry-After}
	 */
	@ExceptionHandler
	public ResponseEntity<ProblemDetail> handleNonRetryable(NonRetryableQuotaException ex) {
		boolean tooLarge = ex.getErrorClass() == ErrorClass.REQUEST_TOO_LARGE;
		HttpStatus status = tooLarge ? HttpStatus.PAYLOAD_TOO_LARGE : HttpStatus.SERVICE_UNAVAILABLE;
		ProblemDetail problem = problem(status, ex.getErrorClass().name(),
				tooLarge ? "Request too large for the model" : "Model provider quota exhausted", ex.getMessage(),
				ex.getPool());
		problem.setProperty("model", ex.getModel());
		problem.setProperty("retryable", false);
		return ResponseEntity.status(status).body(problem);
	}

	/**
	 * Return the status that answers a rejection.
	 * @param reason why the call was not admitted
	 * @return the status
	 */
	protected HttpStatus statusOf(RejectionReason reason) {
		return switch (reason) {
			case CANNOT_FIT -> HttpStatus.PAYLOAD_TOO_LARGE;
			case UNAVAILABLE, CANCELLED, QUOTA_EXHAUSTED, PAUSED -> HttpStatus.SERVICE_UNAVAILABLE;
			default -> HttpStatus.TOO_MANY_REQUESTS;
		};
	}

	/**
	 * Return the title of the problem a rejection is.
	 * @param reason why the call was not admitted
	 * @return a short summary that does not change from one occurrence to the next
	 */
	protected String titleOf(RejectionReason reason) {
		return switch (reason) {
			case QUEUE_FULL -> "Model waiting room full";
			case DEADLINE -> "Model quota not available in time";
			case SHED -> "Request shed for higher-priority work";
			case USER_LIMIT -> "User quota exhausted";
			case TENANT_LIMIT -> "Tenant quota exhausted";
			case CANNOT_FIT -> "Request larger than the model's limit";
			case CANCELLED -> "Request cancelled while waiting for quota";
			case UNAVAILABLE -> "Quota state unavailable";
			case PAUSED -> "Priority class paused by an operator";
			case BUDGET_EXHAUSTED -> "Cost budget exhausted";
			default -> "Model call not admitted";
		};
	}

	private static ProblemDetail problem(HttpStatus status, String reason, String title, String detail, String pool) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setType(URI.create(TYPE_PREFIX + reason.toLowerCase(Locale.ROOT).replace('_', '-')));
		problem.setTitle(title);
		problem.setProperty("reason", reason);
		problem.setProperty("pool", pool);
		return problem;
	}

	private static long retryAfterSeconds(Duration retryAfter) {
		long millis = Math.max(retryAfter.toMillis(), 1);
		return (millis + 999) / 1000;
	}

}
