import unittest

import hardendemo


class AddTest(unittest.TestCase):
    def test_add(self):
        self.assertEqual(hardendemo.add(2, 3), 5)

    def test_threads(self):
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(4) as pool:
            self.assertEqual(list(pool.map(hardendemo.add, range(8), range(8))), list(range(0, 16, 2)))


if __name__ == "__main__":
    unittest.main()
