package io.github.llmquota.aop;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.estimate.TokenEstimator;
import io.github.llmquota.usage.UsageExtractor;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodParameter;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotatedMethod;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.EvaluationException;
import org.springframework.expression.Expression;
import org.springframework.expression.ExpressionParser;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.lang.Nullable;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * What {@link LlmRateLimited} asks of one method, checked against the settings and with
 * its expressions parsed, ready to turn each call into a {@link QuotaRequest}. Immutable
 * and thread-safe.
 */
final class RateLimitedMethod {

	private static final Log logger = LogFactory.getLog(RateLimitedMethod.class);

	private static final ExpressionParser parser = new SpelExpressionParser();

	private static final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();

	private static final Pattern WHOLE_NUMBER = Pattern.compile("-?\\d{1,18}");

	private final Method method;

	private final String description;

	private final String model;

	@Nullable
	private final String priority;

	@Nullable
	private final Expression inputTokens;

	@Nullable
	private final Expression maxOutputTokensExpression;

	private final long maxOutputTokens;

	@Nullable
	private final Expression user;

	@Nullable
	private final Expression tenant;

	@Nullable
	private final Duration maxWait;

	@Nullable
	private final Expression usage;

	@Nullable
	private final String fallback;

	private final int modelParameter;

	private final ReturnKind returnKind;

	@Nullable
	private final BatchableMethod batchable;

	private final AtomicBoolean usageFailureReported = new AtomicBoolean();

	private RateLimitedMethod(Method method, Class<?> targetClass, LlmRateLimited onMethod, LlmRateLimited onType,
			QuotaSettings settings, Set<String> deferrableClasses) {
		this.method = AopUtils.getMostSpecificMethod(method, targetClass);
		this.description = ClassUtils.getShortName(targetClass) + "." + method.getName()
				+ Arrays.stream(method.getParameterTypes())
					.map(Class::getSimpleName)
					.collect(Collectors.joining(", ", "(", ")"));
		this.model = attribute(onMethod, onType, LlmRateLimited::model);
		if (this.model.isEmpty()) {
			throw invalid("model", "no model is named: set it on the method or on its type");
		}
		check("model", () -> settings.model(this.model));
		String priority = attribute(onMethod, onType, LlmRateLimited::priority);
		this.priority = priority.isEmpty() ? null : priority;
		if (this.priority != null) {
			check("priority", () -> settings.priorityClass(this.priority));
		}
		this.inputTokens = parse("inputTokens", attribute(onMethod, onType, LlmRateLimited::inputTokens));
		String maxOutputTokens = attribute(onMethod, onType, LlmRateLimited::maxOutputTokens);
		if (WHOLE_NUMBER.matcher(maxOutputTokens).matches()) {
			this.maxOutputTokensExpression = null;
			this.maxOutputTokens = Long.parseLong(maxOutputTokens);
			if (this.maxOutputTokens < 0) {
				throw invalid("maxOutputTokens", maxOutputTokens + " is negative");
			}
		}
		else {
			this.maxOutputTokensExpression = parse("maxOutputTokens", maxOutputTokens);
			this.maxOutputTokens = 0;
		}
		this.user = parse("user", attribute(onMethod, onType, LlmRateLimited::user));
		this.tenant = parse("tenant", attribute(onMethod, onType, LlmRateLimited::tenant));
		this.maxWait = duration(attribute(onMethod, onType, LlmRateLimited::maxWait));
		this.usage = parse("usage", attribute(onMethod, onType, LlmRateLimited::usage));
		String fallback = attribute(onMethod, onType, LlmRateLimited::fallback);
		this.fallback = fallback.isEmpty() ? null : fallback;
		this.modelParameter = modelParameter();
		this.returnKind = returnKind(this.method.getReturnType());
		this.batchable = batchable(onMethod, onType, settings, deferrableClasses);
	}

	/**
	 * Resolve the annotation of a method as called on an instance of the target class.
	 * @param method the method, possibly declared by an interface
	 * @param targetClass the class of the bean
	 * @param settings the settings that models and priority classes are checked against
	 * @return the method, or {@code null} when it is not governed
	 * @throws IllegalArgumentException if an attribute is invalid, naming the method and
	 * the attribute
	 */
	@Nullable
	static RateLimitedMethod of(Method method, Class<?> targetClass, QuotaSettings settings) {
		return of(method, targetClass, settings, Set.of());
	}

	/**
	 * Resolve the annotation of a method as called on an instance of the target class,
	 * with the priority classes whose calls are deferrable.
	 * @param method the method, possibly declared by an interface
	 * @param targetClass the class of the bean
	 * @param settings the settings that models and priority classes are checked against
	 * @param deferrableClasses the priority classes whose batchable methods are
	 * deferrable ({@code llm.quota.batch.deferrable-classes})
	 * @return the method, or {@code null} when it is not governed
	 * @throws IllegalArgumentException if an attribute is invalid, or a method marked
	 * deferrable cannot be batched, naming the method and the attribute
	 */
	@Nullable
	static RateLimitedMethod of(Method method, Class<?> targetClass, QuotaSettings settings,
			Set<String> deferrableClasses) {
		if (!isGoverned(method, targetClass)) {
			return null;
		}
		Method specificMethod = AopUtils.getMostSpecificMethod(method, targetClass);
		return new RateLimitedMethod(method, targetClass, onMethod(specificMethod), onType(method, specificMethod),
				settings, deferrableClasses);
	}

	/**
	 * Whether calls of a method on an instance of the target class are governed: it is a
	 * public instance method, other than those of {@code Object}, and it or its type is
	 * annotated.
	 * @param method the method, possibly declared by an interface
	 * @param targetClass the class of the bean
	 * @return whether calls are governed
	 */
	static boolean isGoverned(Method method, Class<?> targetClass) {
		if (!Modifier.isPublic(method.getModifiers()) || Modifier.isStatic(method.getModifiers())
				|| ReflectionUtils.isObjectMethod(method)) {
			return false;
		}
		Method specificMethod = AopUtils.getMostSpecificMethod(method, targetClass);
		return onMethod(specificMethod) != null || onType(method, specificMethod) != null;
	}

	@Nullable
	private static LlmRateLimited onMethod(Method specificMethod) {
		return AnnotatedElementUtils.findMergedAnnotation(specificMethod, LlmRateLimited.class);
	}

	// As for @Transactional: the type that declares the method, then the interface.
	@Nullable
	private static LlmRateLimited onType(Method method, Method specificMethod) {
		LlmRateLimited onType = AnnotatedElementUtils.findMergedAnnotation(specificMethod.getDeclaringClass(),
				LlmRateLimited.class);
		return (onType != null || method == specificMethod) ? onType
				: AnnotatedElementUtils.findMergedAnnotation(method.getDeclaringClass(), LlmRateLimited.class);
	}

	private static String attribute(@Nullable LlmRateLimited onMethod, @Nullable LlmRateLimited onType,
			Function<LlmRateLimited, String> attribute) {
		String value = (onMethod != null) ? attribute.apply(onMethod) : "";
		return (value.isEmpty() && onType != null) ? attribute.apply(onType) : value;
	}

	String model() {
		return this.model;
	}

	@Nullable
	String fallback() {
		return this.fallback;
	}

	ReturnKind returnKind() {
		return this.returnKind;
	}

	/**
	 * Return how the method's calls become batch items, when they are deferrable.
	 * @return the form, or {@code null} when calls are never deferred
	 */
	@Nullable
	BatchableMethod batchable() {
		return this.batchable;
	}

	// Marked deferrable, a method must be batchable; a deferrable class takes only the
	// methods that are, and says which it leaves out.
	@Nullable
	private BatchableMethod batchable(@Nullable LlmRateLimited onMethod, @Nullable LlmRateLimited onType,
			QuotaSettings settings, Set<String> deferrableClasses) {
		boolean marked = (onMethod != null && onMethod.deferrable()) || (onType != null && onType.deferrable());
		String priorityClass = settings.priorityClass(this.priority).name();
		if (!marked && !deferrableClasses.contains(priorityClass)) {
			return null;
		}
		try {
			return BatchableMethod.of(this.method, this.returnKind, settings.model(this.model).pool().provider());
		}
		catch (IllegalArgumentException ex) {
			if (marked) {
				throw invalid("deferrable", ex.getMessage());
			}
			logger.info("llm-quota never defers calls of " + this.description + ", although priority class '"
					+ priorityClass + "' is in llm.quota.batch.deferrable-classes: " + ex.getMessage());
			return null;
		}
	}

	@Override
	public String toString() {
		return this.description;
	}

	/**
	 * Turn one call into a request: put the model into the {@link LlmModel} parameter and
	 * evaluate the expressions, or estimate the input.
	 * @param arguments the call's arguments, changed in place when the method has a
	 * {@link LlmModel} parameter
	 * @param model the model the call goes to
	 * @param settings the settings
	 * @param estimator the estimator used when there is no {@code inputTokens} expression
	 * @return the call
	 * @throws IllegalArgumentException if an expression fails or gives an unusable value
	 */
	Call call(Object[] arguments, String model, QuotaSettings settings, TokenEstimator estimator) {
		if (this.modelParameter >= 0) {
			arguments[this.modelParameter] = model;
		}
		EvaluationContext context = new MethodBasedEvaluationContext(null, this.method, arguments, parameterNames);
		boolean estimated = this.inputTokens == null;
		long inputTokens = estimated
				? estimator.estimateInputTokens(model, settings.model(model).pool().provider(), prompt(arguments))
				: tokens("inputTokens", this.inputTokens, context);
		long maxOutputTokens = (this.maxOutputTokensExpression != null)
				? tokens("maxOutputTokens", this.maxOutputTokensExpression, context) : this.maxOutputTokens;
		Object user = (this.user != null) ? evaluate("user", this.user, context) : null;
		Object tenant = (this.tenant != null) ? evaluate("tenant", this.tenant, context) : null;
		QuotaRequest request = QuotaRequest.builder(model)
			.priority(this.priority)
			.inputTokens(inputTokens)
			.maxOutputTokens(maxOutputTokens)
			.user((user != null) ? user.toString() : null)
			.tenant((tenant != null) ? tenant.toString() : null)
			.maxWait(this.maxWait)
			.deferrable(this.batchable != null)
			.build();
		return new Call(this, arguments, request, estimated);
	}

	/**
	 * Find the usage a call reported in what it returned.
	 * @param call the call
	 * @param result the result, or for a stream one element
	 * @param extractor the extractor
	 * @return the usage, or empty
	 * @throws RuntimeException if the {@code usage} expression or the extractor fails
	 */
	Optional<TokenUsage> usage(Call call, @Nullable Object result, UsageExtractor extractor) {
		Object source = result;
		if (this.usage != null) {
			MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(null, this.method, call.arguments(),
					parameterNames);
			context.setVariable("result", result);
			source = this.usage.getValue(context);
			if (source instanceof TokenUsage usage) {
				return Optional.of(usage);
			}
		}
		return extractor.extract(source);
	}

	/**
	 * Whether a failure to find usage is the first of this method, and so worth a
	 * warning.
	 * @return {@code true} the first time only
	 */
	boolean firstUsageFailure() {
		return this.usageFailureReported.compareAndSet(false, true);
	}

	private Object[] prompt(Object[] arguments) {
		if (this.modelParameter < 0) {
			return arguments;
		}
		Object[] prompt = arguments.clone();
		prompt[this.modelParameter] = null;
		return prompt;
	}

	private long tokens(String attribute, Expression expression, EvaluationContext context) {
		Object value = evaluate(attribute, expression, context);
		if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
			long tokens = ((Number) value).longValue();
			if (tokens >= 0) {
				return tokens;
			}
		}
		else if (value instanceof Number number) {
			double tokens = number.doubleValue();
			if (tokens >= 0 && Double.isFinite(tokens)) {
				// Saturates at Long.MAX_VALUE, which the engine rejects as never fitting.
				return (long) Math.ceil(tokens);
			}
		}
		String shown = (value instanceof CharSequence) ? "'" + value + "'" : String.valueOf(value);
		throw new IllegalArgumentException(describe(attribute, expression) + " evaluated to " + shown
				+ ((value != null) ? " (" + value.getClass().getSimpleName() + ")" : "")
				+ "; it must be a number of at least 0");
	}

	@Nullable
	private Object evaluate(String attribute, Expression expression, EvaluationContext context) {
		try {
			return expression.getValue(context);
		}
		catch (EvaluationException ex) {
			throw new IllegalArgumentException(
					describe(attribute, expression) + " could not be evaluated: " + ex.getMessage(), ex);
		}
	}

	private String describe(String attribute, Expression expression) {
		return "@LlmRateLimited attribute '" + attribute + "' (" + expression.getExpressionString() + ") of "
				+ this.description;
	}

	@Nullable
	private Expression parse(String attribute, String expression) {
		if (expression.isEmpty()) {
			return null;
		}
		try {
			return parser.parseExpression(expression);
		}
		catch (ParseException ex) {
			throw invalid(attribute, "'" + expression + "' is not a valid SpEL expression: " + ex.getMessage());
		}
	}

	@Nullable
	private Duration duration(String maxWait) {
		if (maxWait.isEmpty()) {
			return null;
		}
		Duration duration;
		try {
			duration = DurationStyle.detectAndParse(maxWait);
		}
		catch (IllegalArgumentException ex) {
			throw invalid("maxWait", "'" + maxWait + "' is not a duration such as 5s, 500ms or PT5S");
		}
		if (duration.isNegative()) {
			throw invalid("maxWait", "'" + maxWait + "' is negative");
		}
		return duration;
	}

	private int modelParameter() {
		int index = -1;
		MethodParameter[] parameters = new AnnotatedMethod(this.method).getMethodParameters();
		for (MethodParameter parameter : parameters) {
			if (parameter.hasParameterAnnotation(LlmModel.class)) {
				if (parameter.getParameterType() != String.class) {
					throw invalidMethod("@LlmModel parameter " + parameter.getParameterIndex() + " has type "
							+ parameter.getParameterType().getSimpleName() + ", not String");
				}
				if (index >= 0) {
					throw invalidMethod("@LlmModel is on parameters " + index + " and " + parameter.getParameterIndex()
							+ "; at most one parameter may receive the model");
				}
				index = parameter.getParameterIndex();
			}
		}
		return index;
	}

	private ReturnKind returnKind(Class<?> type) {
		if (type == CompletableFuture.class || type == CompletionStage.class) {
			return ReturnKind.COMPLETION_STAGE;
		}
		if (type.getName().equals("reactor.core.publisher.Mono")) {
			return ReturnKind.MONO;
		}
		if (type.getName().equals("reactor.core.publisher.Flux")) {
			return ReturnKind.FLUX;
		}
		if (Future.class.isAssignableFrom(type) || CompletionStage.class.isAssignableFrom(type)
				|| ClassUtils.getAllInterfacesForClassAsSet(type)
					.stream()
					.anyMatch((candidate) -> candidate.getName().equals("org.reactivestreams.Publisher"))) {
			throw invalidMethod("its return type " + type.getName() + " cannot be governed: return a plain "
					+ "value, CompletableFuture, CompletionStage, Mono or Flux");
		}
		return ReturnKind.PLAIN;
	}

	private void check(String attribute, Runnable check) {
		try {
			check.run();
		}
		catch (IllegalArgumentException ex) {
			throw invalid(attribute, ex.getMessage());
		}
	}

	private IllegalArgumentException invalid(String attribute, String problem) {
		return new IllegalArgumentException(
				"Invalid @LlmRateLimited attribute '" + attribute + "' of " + this.description + ": " + problem);
	}

	private IllegalArgumentException invalidMethod(String problem) {
		return new IllegalArgumentException("Invalid @LlmRateLimited method " + this.description + ": " + problem);
	}

	/**
	 * One call of a governed method.
	 *
	 * @param method the method
	 * @param arguments the arguments, with the model in its {@link LlmModel} parameter
	 * @param request what is asked of the engine
	 * @param estimated whether the input tokens came from the estimator, which then
	 * learns from the usage the call reports
	 */
	record Call(RateLimitedMethod method, Object[] arguments, QuotaRequest request, boolean estimated) {
	}

}
