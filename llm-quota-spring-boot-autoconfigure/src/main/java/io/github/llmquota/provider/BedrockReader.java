package io.github.llmquota.provider;

import java.util.Map;

import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.ProviderFeedback;

/**
 * Reads Amazon Bedrock errors. Bedrock sends no rate-limit headers, but names the error
 * in {@code x-amzn-errortype}, as in
 * {@code ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/}.
 */
final class BedrockReader implements ProviderReader {

	// Only the types whose meaning the status alone does not give.
	private static final Map<String, ErrorClass> ERROR_TYPES = Map.of("ThrottlingException", ErrorClass.RATE_LIMITED,
			"ServiceUnavailableException", ErrorClass.OVERLOADED, "ModelNotReadyException", ErrorClass.OVERLOADED,
			"ServiceQuotaExceededException", ErrorClass.QUOTA_EXHAUSTED);

	@Override
	public void read(Response response, ProviderFeedback.Builder feedback) {
		String errorType = response.headers().get("x-amzn-errortype");
		if (errorType == null) {
			return;
		}
		int uri = errorType.indexOf(':');
		String name = ((uri >= 0) ? errorType.substring(0, uri) : errorType).trim();
		ErrorClass errorClass = ERROR_TYPES.get(name);
		if (errorClass != null) {
			feedback.classify(errorClass);
		}
	}

}
