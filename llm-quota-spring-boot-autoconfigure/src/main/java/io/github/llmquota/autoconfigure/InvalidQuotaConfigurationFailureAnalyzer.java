package io.github.llmquota.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns an {@link InvalidQuotaConfigurationException} into a startup report that names
 * the property to fix.
 */
class InvalidQuotaConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<InvalidQuotaConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidQuotaConfigurationException cause) {
		return new FailureAnalysis(
				"Invalid llm-quota configuration:\n\n    Property: " + cause.getProperty() + "\n    Value: "
						+ cause.getValue() + "\n    Reason: " + cause.getReason(),
				"Update the value of " + cause.getProperty() + " in your application configuration.", cause);
	}

}
