ScoreNetwork = fit_denoising_score = None
