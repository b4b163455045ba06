gaussian_score = information_gradient = linear_gaussian_channel_scores = linear_gaussian_mutual_information = maximize_information = None
