package io.github.llmquota.aop;

import java.lang.reflect.Method;
import java.util.function.Function;

import io.github.llmquota.batch.AnthropicBatchProvider;
import io.github.llmquota.batch.OpenAiBatchProvider;
import io.github.llmquota.core.Provider;

import org.springframework.core.ResolvableType;

/**
 * How the calls of a deferrable {@link LlmRateLimited} method become batch items, by the
 * typed convention of the official SDKs: the method takes the provider's request
 * parameters as one argument ({@code MessageCreateParams} for Anthropic,
 * {@code ChatCompletionCreateParams} for OpenAI) and completes with the provider's
 * response ({@code Message}, {@code ChatCompletion}), asynchronously, since a batch
 * answers within hours: its return type is {@code CompletableFuture},
 * {@code CompletionStage} or {@code Mono}. The SDK types are named, not linked, so that
 * either SDK may be missing. Immutable.
 */
final class BatchableMethod {

	private static final String ANTHROPIC_PARAMS = "com.anthropic.models.messages.MessageCreateParams";

	private static final String ANTHROPIC_RESULT = "com.anthropic.models.messages.Message";

	private static final String OPENAI_PARAMS = "com.openai.models.chat.completions.ChatCompletionCreateParams";

	private static final String OPENAI_RESULT = "com.openai.models.chat.completions.ChatCompletion";

	private final int argument;

	private final Function<Object, String> body;

	private final Function<String, Object> decode;

	private BatchableMethod(int argument, Function<Object, String> body, Function<String, Object> decode) {
		this.argument = argument;
		this.body = body;
		this.decode = decode;
	}

	/**
	 * Find how a method's calls to a provider's model become batch items.
	 * @param method the method
	 * @param returnKind how it returns
	 * @param provider the provider of its model
	 * @return the form
	 * @throws IllegalArgumentException saying why the method cannot be batched
	 */
	static BatchableMethod of(Method method, ReturnKind returnKind, Provider provider) {
		if (returnKind != ReturnKind.COMPLETION_STAGE && returnKind != ReturnKind.MONO) {
			throw new IllegalArgumentException("a deferrable method must return CompletableFuture, CompletionStage "
					+ "or Mono, since a batch answers within hours, not " + method.getReturnType().getSimpleName());
		}
		String params;
		String result;
		if (provider == Provider.ANTHROPIC) {
			params = ANTHROPIC_PARAMS;
			result = ANTHROPIC_RESULT;
		}
		else if (provider == Provider.OPENAI) {
			params = OPENAI_PARAMS;
			result = OPENAI_RESULT;
		}
		else {
			throw new IllegalArgumentException(
					"its model's provider " + provider + " has no batch API in llm-quota (Anthropic and OpenAI have)");
		}
		int argument = -1;
		Class<?>[] types = method.getParameterTypes();
		for (int i = 0; i < types.length; i++) {
			if (types[i].getName().equals(params)) {
				if (argument >= 0) {
					throw new IllegalArgumentException("it takes more than one " + simpleName(params)
							+ ", so which one is the batch request is unclear");
				}
				argument = i;
			}
		}
		if (argument < 0) {
			throw new IllegalArgumentException("a deferrable method's call becomes a batch request from its "
					+ simpleName(params) + " argument, and it has none");
		}
		Class<?> completes = ResolvableType.forMethodReturnType(method).getGeneric(0).resolve(Object.class);
		if (!completes.getName().equals(result)) {
			throw new IllegalArgumentException("a deferrable method must complete with the batch's "
					+ simpleName(result) + ", not " + completes.getSimpleName());
		}
		return (provider == Provider.ANTHROPIC) ? Anthropic.of(argument) : OpenAi.of(argument);
	}

	// Each SDK is touched only in its own class, loaded when a method of its provider is.
	private static final class Anthropic {

		static BatchableMethod of(int argument) {
			return new BatchableMethod(argument,
					(params) -> AnthropicBatchProvider.body((com.anthropic.models.messages.MessageCreateParams) params),
					AnthropicBatchProvider::message);
		}

	}

	private static final class OpenAi {

		static BatchableMethod of(int argument) {
			return new BatchableMethod(argument,
					(params) -> OpenAiBatchProvider
						.body((com.openai.models.chat.completions.ChatCompletionCreateParams) params),
					OpenAiBatchProvider::chatCompletion);
		}

	}

	private static String simpleName(String className) {
		return className.substring(className.lastIndexOf('.') + 1);
	}

	/**
	 * Return the batch body of one call.
	 * @param arguments the call's arguments
	 * @return the provider's request body
	 */
	String body(Object[] arguments) {
		return this.body.apply(arguments[this.argument]);
	}

	/**
	 * Turn a successful batch result into what the method completes with.
	 * @param body the result's body
	 * @return the provider's response
	 */
	Object decode(String body) {
		return this.decode.apply(body);
	}

}
