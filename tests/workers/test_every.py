"""A rare chore (workers.chores.Every) keeps going while it finds work, then rests."""

from workers.chores import Every


def test_a_rare_chore_is_called_again_at_once_while_it_finds_work_then_rests():
    answers = [3, 1, 0, 5]
    calls = []

    def sweep():
        calls.append(1)
        return answers.pop(0)

    chore = Every(3600, sweep)

    assert [chore() for _ in range(5)] == [3, 1, 0, 0, 0]
    assert len(calls) == 3  # resting for the hour after it found nothing
