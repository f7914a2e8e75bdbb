package io.github.llmquota.sample.page;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /page-settings}: whether the live page shows the controls that change pools
 * at runtime, which work only where the llmquota endpoint's write operations are on
 * ({@code llm.quota.rollout.live-changes-enabled}).
 */
@RestController
class PageSettingsController {

	private final boolean liveChanges;

	PageSettingsController(@Value("${llm.quota.rollout.live-changes-enabled:false}") boolean liveChanges) {
		this.liveChanges = liveChanges;
	}

	@GetMapping("/page-settings")
	PageSettings settings() {
		return new PageSettings(this.liveChanges);
	}

	/**
	 * What the page shows.
	 *
	 * @param liveChanges whether to show the controls that change pools at runtime
	 */
	record PageSettings(boolean liveChanges) {
	}

}
