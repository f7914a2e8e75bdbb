package io.github.llmquota.provider;

import java.util.Map;

import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.ProviderFeedback;

/**
 * Reads Amazon Bedrock errors. Bedrock sends no rate-limit headers, but names the error in
 * {@code x-amzn-errortype}, as in
 * {@code ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/}.
 */
final class BedrockReader implements ProviderReader {

	// Only the types whose meaning the status alone does not give.
	private static final Map<String, Classification> ERROR_TYPES = Map.of(
			"ThrottlingException", new Classification(ErrorClass.RATE_LIMITED, true),
			"ServiceUnavailableException", new Classification(ErrorClass.OVERLOADED, true),
			"ModelNotReadyException", new Classification(ErrorClass.OVERLOADED, true),
			"ServiceQuotaExceededException", new Classification(ErrorClass.QUOTA_EXHAUSTED, false));

	@Override
	public void read(Response response, ProviderFeedback.Builder feedback) {
		String errorType = response.headers().get("x-amzn-errortype");
		if (errorType == null) {
			return;
		}
		int uri = errorType.indexOf(':');
		String name = ((uri >= 0) ? errorType.substring(0, uri) : errorType).trim();
		Classification classification = ERROR_TYPES.get(name);
		if (classification != null) {
			feedback.classify(classification.errorClass(), classification.retryable());
		}
	}

	private record Classification(ErrorClass errorClass, boolean retryable) {
	}

}
